import { join } from 'node:path';

// Shell commands, for a throwaway `unshare --net --mount` namespace, that put a fresh
// tun node anyone may open over /dev/net/tun, so that only capabilities decide. `dir`
// must be on a filesystem that allows device nodes; the node is removed again once
// mounted, and the mount goes with the namespace.
export function tunOpenToAll(dir: string): string {
  const node = join(dir, 'tun');
  return `mknod ${node} c 10 200 && chmod 0666 ${node} && mount --bind ${node} /dev/net/tun && rm ${node}`;
}
