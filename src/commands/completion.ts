import { CAP_NAMES } from '../caps/names';
import { CapexecError } from '../support/errors';
import { printable } from '../support/messages';
import { writeAll } from '../support/output';

// What the command line accepts, as the argument parser defines it: the script is made
// from these, so an option added there is completed without touching this file.
export interface CompletionOptions {
  version: string;
  longOptions: readonly string[];
  valueOptions: readonly string[];
  // Options whose value may be left out: they take the next word only when it is no option.
  optionalValueOptions: readonly string[];
  // Short options that take a value, by letter, and the long option each stands for.
  shortValueOptions: Readonly<Record<string, string>>;
}

export const SHELLS = ['bash'] as const;

// capexec --completion SHELL: the script on stdout, for a shell's completion directory.
export function printCompletion(shell: string, options: CompletionOptions): number {
  writeAll(1, completionScript(shell, options));
  return 0;
}

export function completionScript(shell: string, options: CompletionOptions): string {
  if (shell !== 'bash') {
    throw new CapexecError('usage', `no completion for '${printable(shell)}'`, undefined, { fix: `use capexec --completion ${SHELLS.join('|')}` });
  }
  return bashScript(options);
}

// How the value of each option is completed; an option not named here takes a file.
const BASH_VALUES: Readonly<Record<string, string>> = {
  cap: '_capexec_caps "$cur" "$head"',
  user: 'COMPREPLY=($(compgen -P "$head" -u -- "$cur"))',
  group: 'COMPREPLY=($(compgen -P "$head" -g -- "$cur"))',
  groups: '_capexec_group_list "$cur" "$head"',
  install: '_capexec_directories "$cur" "$head"',
  uninstall: '_capexec_directories "$cur" "$head"',
  completion: `COMPREPLY=($(compgen -P "$head" -W '${SHELLS.join(' ')}' -- "$cur"))`,
  'preserve-fds': 'COMPREPLY=()',
};

// Only names made of these characters reach the script unquoted.
const SAFE_WORD = /^[a-z0-9][a-z0-9_-]*$/;

function bashScript(options: CompletionOptions): string {
  const valueOptions = [...options.valueOptions, ...options.optionalValueOptions];
  const words = [...options.longOptions, ...valueOptions, ...Object.entries(options.shortValueOptions).flat(), ...CAP_NAMES];
  const unsafe = words.find((word) => !SAFE_WORD.test(word));
  if (unsafe !== undefined) throw new CapexecError('internal_error', `no completion script`, `'${printable(unsafe)}' cannot be written into it`);
  const longs = options.longOptions.map((option) => `--${option}`).join(' ');
  const valueCases = valueOptions
    .map((option) => `        ${option}) ${BASH_VALUES[option] ?? '_capexec_files "$cur" "$head"'} ;;`)
    .join('\n');
  const shortCases = Object.entries(options.shortValueOptions)
    .map(([letter, long]) => `            ${letter}) short_option=${long} short_at=$j; return ;;`)
    .join('\n');
  return `# bash completion for capexec(1), made by capexec ${options.version}: capexec --completion bash
# Options, capability names for --cap (those the running kernel has), users and groups,
# and after the options the command's own completion.

_capexec_caps()
{
    # --cap takes a comma-separated list: only the name after the last comma is completed,
    # in the form it was begun (net_admin, cap_net_admin or CAP_NET_ADMIN).
    local cur=\${1##*,} head=$2 form= last=${CAP_NAMES.length - 1} i
    [[ $1 == *,* ]] && head+=\${1%,*},
    case $cur in
        cap_*) form=cap_ ;;
        CAP_*) form=CAP_ ;;
    esac
    local -a names=(${CAP_NAMES.join(' ')}) words=()
    # The kernel decides which capabilities exist; the table only names them, and any
    # newer than the table go by number.
    if [[ -r /proc/sys/kernel/cap_last_cap ]]; then
        read -r last </proc/sys/kernel/cap_last_cap
        [[ $last =~ ^[0-9]+$ ]] || last=${CAP_NAMES.length - 1}
    fi
    for ((i = 0; i <= last; i++)); do
        if ((i >= \${#names[@]})); then
            words+=("$i")
        elif [[ $form == CAP_ ]]; then
            words+=("CAP_\${names[i]^^}")
        else
            words+=("$form\${names[i]}")
        fi
    done
    COMPREPLY=($(compgen -P "$head" -W "\${words[*]}" -- "$cur"))
}

# --groups takes a comma-separated list of groups, completed after the last comma.
_capexec_group_list()
{
    local head=$2
    [[ $1 == *,* ]] && head+=\${1%,*},
    COMPREPLY=($(compgen -P "$head" -g -- "\${1##*,}"))
}

_capexec_directories()
{
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -P "$2" -d -- "$1"))
}

_capexec_files()
{
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -P "$2" -f -- "$1"))
}

# Succeeds for a long option that takes a value.
_capexec_takes_value()
{
    case " ${valueOptions.join(' ')} " in
        *" $1 "*) return 0 ;;
    esac
    return 1
}

# Succeeds for a long option whose value may be left out.
_capexec_value_optional()
{
    case " ${options.optionalValueOptions.join(' ')} " in
        *" $1 "*) return 0 ;;
    esac
    return 1
}

# Short options as getopt takes them apart: sets short_option to the long option of the
# first letter of $1 that takes a value, and short_at to where that letter is; its value
# is the rest of the word, or the next word when the letter is the last.
_capexec_short()
{
    local word=$1 j
    short_option= short_at=
    for ((j = 1; j < \${#word}; j++)); do
        case \${word:j:1} in
${shortCases}
        esac
    done
}

# Completes the value of option $1; $2 is the value so far, $3 what goes before it in the
# word (--cap= or -c, when the value shares its word with the option).
_capexec_value()
{
    local cur=$2 head=$3
    case $1 in
${valueCases}
    esac
}

# Completes the current word if it is an option's value, and fails if it is not.
_capexec_option_value()
{
    local option
    if [[ $cur == = && $prev == --* ]] && _capexec_takes_value "\${prev#--}"; then
        _capexec_value "\${prev#--}" "" ""
    elif [[ $prev == = && $before == --* ]] && _capexec_takes_value "\${before#--}"; then
        _capexec_value "\${before#--}" "$cur" ""
    elif [[ $prev == --* && $prev != *=* ]] && _capexec_takes_value "\${prev#--}" &&
        ! { [[ $cur == -* ]] && _capexec_value_optional "\${prev#--}"; }; then
        _capexec_value "\${prev#--}" "$cur" ""
    elif [[ $cur == --?*=* ]] && option=\${cur%%=*} && _capexec_takes_value "\${option#--}"; then
        _capexec_value "\${option#--}" "\${cur#*=}" "$option="
    elif [[ $prev == -[!-]* ]] && _capexec_short "$prev" && [[ -n $short_option ]] && ((short_at == \${#prev} - 1)); then
        _capexec_value "$short_option" "$cur" ""
    elif [[ $cur == -[!-]* ]] && _capexec_short "$cur" && [[ -n $short_option ]] && ((short_at < \${#cur} - 1)); then
        _capexec_value "$short_option" "\${cur:short_at + 1}" "\${cur:0:short_at + 1}"
    else
        return 1
    fi
}

_capexec()
{
    local cur=\${COMP_WORDS[COMP_CWORD]} prev= before= word i start= short_option= short_at=
    ((COMP_CWORD > 0)) && prev=\${COMP_WORDS[COMP_CWORD - 1]}
    ((COMP_CWORD > 1)) && before=\${COMP_WORDS[COMP_CWORD - 2]}
    COMPREPLY=()

    # Where the command begins, as capexec reads its arguments: after --, or at the first
    # word that is neither an option nor an option's value. With = in COMP_WORDBREAKS,
    # --cap=x is the three words --cap, = and x.
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=\${COMP_WORDS[i]}
        if [[ $word == -- ]]; then
            start=$((i + 1))
            break
        elif [[ $word == --* ]]; then
            if [[ \${COMP_WORDS[i + 1]} == = ]]; then
                ((i += 2))
            elif [[ $word != *=* ]] && _capexec_takes_value "\${word#--}"; then
                _capexec_value_optional "\${word#--}" && [[ \${COMP_WORDS[i + 1]} == -* ]] || ((i += 1))
            fi
        elif [[ $word == -?* ]]; then
            _capexec_short "$word"
            [[ -n $short_option ]] && ((short_at == \${#word} - 1)) && ((i += 1))
        else
            start=$i
            break
        fi
    done

    if [[ -z $start ]]; then
        _capexec_option_value && return 0
        [[ $cur == -* ]] || start=$COMP_CWORD
    fi
    if [[ -z $start ]]; then
        COMPREPLY=($(compgen -W '${longs}' -- "$cur"))
    elif declare -F _comp_command_offset >/dev/null; then
        _comp_command_offset "$start"
    elif declare -F _command_offset >/dev/null; then
        _command_offset "$start"
    elif ((start == COMP_CWORD)); then
        COMPREPLY=($(compgen -c -- "$cur"))
    else
        _capexec_files "$cur" ""
    fi
    return 0
} &&
    complete -F _capexec capexec
`;
}
