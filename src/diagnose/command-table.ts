import { capNumber } from '../caps/names';

// Small, hand-kept knowledge about common helpers: which open /dev/net/tun, and which
// need a capability people forget to request. Matched on the command's file name.

const cap = capNumber;

const TUN_USERS = /^(tunctl|openvpn|openconnect|vpnc|wireguard-go|tincd|fastd|qemu-bridge-helper|qemu-system-.+)$/;

// `ip` takes any unambiguous prefix of an object name; "tun" already means "tunnel".
const IP_TUNTAP = new Set(['tunt', 'tunta', 'tuntap']);

export function opensTun(name: string, args: readonly string[]): boolean {
  if (name === 'ip') return args.some((arg) => IP_TUNTAP.has(arg));
  return TUN_USERS.test(name);
}

export interface CapHint {
  cap: number;
  why: string;
}

export interface HintContext {
  // Ports below this need CAP_NET_BIND_SERVICE (net.ipv4.ip_unprivileged_port_start).
  unprivilegedPortStart: number;
  // ping may use an ICMP echo socket, which needs no capability, when one of the
  // caller's groups is in net.ipv4.ping_group_range.
  pingSocketAllowed: boolean;
}

interface Entry {
  names: RegExp;
  hints(args: readonly string[], context: HintContext): CapHint[];
}

const always = (...hints: CapHint[]) => (): CapHint[] => hints;

const TABLE: readonly Entry[] = [
  {
    names: /^ping[46]?$/,
    hints: (_, context) => context.pingSocketAllowed ? [] : [{ cap: cap('net_raw'), why: 'sends ICMP echo requests through a raw socket' }],
  },
  { names: /^arping$/, hints: always({ cap: cap('net_raw'), why: 'sends ARP requests through a packet socket' }) },
  {
    names: /^tcpdump$/,
    hints: always(
      { cap: cap('net_raw'), why: 'captures through a packet socket' },
      { cap: cap('net_admin'), why: 'changes capture settings of some interfaces' },
    ),
  },
  {
    names: /^(ip6?|arp|eb)tables(-[a-z-]+)?$/,
    hints: always(
      { cap: cap('net_admin'), why: 'changes firewall rules' },
      { cap: cap('net_raw'), why: 'reaches the firewall tables through a raw socket' },
    ),
  },
  { names: /^nft$/, hints: always({ cap: cap('net_admin'), why: 'changes firewall rules' }) },
  { names: TUN_USERS, hints: always({ cap: cap('net_admin'), why: 'creates tun/tap devices, and the kernel allows TUNSETIFF only with cap_net_admin' }) },
  {
    names: /^ip$/,
    hints: always({
      cap: cap('net_admin'),
      why: 'drops every capability at start unless cap_net_admin is inheritable, and capexec makes exactly the requested capabilities inheritable',
    }),
  },
  {
    names: /^(nc|ncat|netcat|nc\.openbsd|nc\.traditional|socat)$/,
    hints: (args, context) => {
      const port = listeningPort(args);
      return port !== undefined && port < context.unprivilegedPortStart
        ? [{ cap: cap('net_bind_service'), why: `listens on port ${port}, below ${context.unprivilegedPortStart} (net.ipv4.ip_unprivileged_port_start)` }]
        : [];
    },
  },
];

export function capHints(name: string, args: readonly string[], context: HintContext): CapHint[] {
  return TABLE.find((entry) => entry.names.test(name))?.hints(args, context) ?? [];
}

// socat's TCP-LISTEN:80 (and UDP-RECVFROM:53 ...), or netcat's -l with a port.
function listeningPort(args: readonly string[]): number | undefined {
  for (const arg of args) {
    const address = /^[a-z0-9]+-(?:listen|l|recvfrom|recv):(\d{1,5})\b/i.exec(arg);
    if (address?.[1] !== undefined) return Number(address[1]);
  }
  if (!args.some((arg) => /^-[a-zA-Z]*l[a-zA-Z0-9]*$/.test(arg))) return undefined;
  for (const arg of args) {
    const port = /^(?:-[a-zA-Z]*p)?(\d{1,5})$/.exec(arg);
    if (port?.[1] !== undefined) return Number(port[1]);
  }
  return undefined;
}
