// package.json is the one place the version is written. The path is relative to the
// compiled build/src/cli/help.js; the standalone executable's bundle inlines the file.
export const VERSION = (require('../../../package.json') as { version: string }).version;

export const HELP = `Usage: capexec [-c|--cap CAPS]... [--preserve-fds N] [--] COMMAND [ARG...]
       capexec --user USER [--group G] [--groups G1,G2 | --clear-groups]
               [-c CAPS]... [--keep-bounding] [--no-new-privs] [--reset-env]
               [--preserve-fds N] [--] COMMAND [ARG...]
       capexec --doctor [--json] --cap CAPS [-- COMMAND [ARG...]]
       capexec --print [--json]
       capexec --install PREFIX --cap CAPS [--group NAME]
       capexec --install PREFIX --policy FILE [--cap CAPS] [--group NAME]
       capexec --uninstall PREFIX
       capexec --check [FILE] [--user NAME --cap CAPS -- COMMAND [ARG...]]
       capexec --list
       capexec --completion bash

Run COMMAND with exactly the capabilities CAPS, passed through the ambient set.
capexec itself needs them in its permitted set (setcap CAPS+p on its file).
Run by root, COMMAND keeps uid 0 but gets only CAPS; with --user, it runs as
USER, holding only CAPS (none if --cap is left out).

Options:
  -c, --cap CAPS        capabilities to pass, comma-separated; may repeat.
                        Names as net_admin, cap_net_admin, CAP_NET_ADMIN, or
                        numbers.
      --preserve-fds N  keep file descriptors 3 to 3+N-1 open for COMMAND
      --doctor          check whether CAPS would reach COMMAND, and say why not;
                        exit 0 if they would, 1 if not
      --print           show this process's capability state
      --json            with --doctor or --print: print JSON; when launching
                        COMMAND: write capexec's own errors as one JSON line
      --install PREFIX  as root: install into PREFIX with file capabilities
                        CAPS+p, then check that they work
      --group NAME      with --install: only group NAME may run capexec
      --policy FILE     with --install: check FILE, install it as
                        /etc/capexec.conf and make the installed capexec
                        require it; CAPS default to those its permit rules grant
      --uninstall PREFIX  as root: remove what --install put into PREFIX
      --user USER       as root: run COMMAND as USER (name or uid), in USER's
                        primary group and the groups USER is a member of
      --group G         with --user: G (name or gid) as the primary group
      --groups G1,G2    with --user: exactly these supplementary groups
      --clear-groups    with --user: no supplementary groups
      --keep-bounding   with --user: leave the bounding set (by default it is
                        reduced to CAPS)
      --no-new-privs    with --user: set no_new_privs before the exec
      --reset-env       with --user: clear the environment but TERM; set a
                        safe PATH (HOME, USER, LOGNAME, SHELL are always set)
      --check [FILE]    check the policy (FILE, or /etc/capexec.conf) and print
                        each problem as FILE:LINE:COL; exit 0 if valid, 1 if not
                        (by root, on a valid /etc/capexec.conf: also keep its
                        parsed rules for launches in /var/cache/capexec)
      --user NAME       with --check: would NAME's launch of COMMAND with CAPS
                        be allowed? prints permit or deny and the rule's line
      --list            show the policy's rules that apply to you
      --completion bash  print the bash completion script
  -h, --help            show this help and exit
  -V, --version         show the version, the Node.js inside, and whether
                        this executable requires a policy, and exit

Options end at COMMAND or at --; COMMAND's own options pass through untouched.
COMMAND replaces capexec in the same process: it keeps capexec's PID, and its
exit status is capexec's.

Exit status: COMMAND's own; 125 capexec failed (a refused capability is
followed by its causes, as --doctor finds them); 126 COMMAND cannot be run;
127 COMMAND not found. A user other than root launches only what
/etc/capexec.conf permits, when it exists; see capexec.conf(5).

Examples: capexec --cap net_admin -- tunctl -u alice -t tap0
          capexec --user www-data --cap net_bind_service -- node server.js
See capexec(1) and capexec.conf(5).
`;
