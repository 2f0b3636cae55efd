import { dirname } from 'node:path';
import { lookupCap } from '../caps/names';
import { MAX_CAP } from '../kernel/constants';
import type { Reinstall } from '../caps/pass';
import { FILES, PRIVATE_DIRECTORY, under } from './layout';
import { readManifest, type Manifest } from './manifest';
import { POLICY_PATH } from '../policy/load';

export interface Installation {
  prefix: string;
  manifest: Manifest;
}

// The installation `executable` belongs to, when it is the executable an --install put
// in place: it sits at PREFIX/libexec/capexec/capexec beside the trusted, valid manifest
// that lists it. Its content is not hashed (that would read the whole executable on
// every call); the manifest's word is enough to choose which command to suggest.
export function installationOf(executable: string): Installation | undefined {
  const directory = dirname(executable);
  if (!directory.endsWith(`/${PRIVATE_DIRECTORY}`)) return undefined;
  const prefix = directory.slice(0, -(PRIVATE_DIRECTORY.length + 1)) || '/';
  if (under(prefix, FILES.executable) !== executable) return undefined;
  let manifest: Manifest | undefined;
  try {
    manifest = readManifest(prefix);
  } catch {
    return undefined;
  }
  return manifest?.files[FILES.executable] === undefined ? undefined : { prefix, manifest };
}

// The same, as the fact a diagnosis needs and the fix it suggests.
export function installedCopy(executable: string): Reinstall | undefined {
  const installation = installationOf(executable);
  if (installation === undefined) return undefined;
  const { prefix, manifest } = installation;
  const caps = manifest.caps.replace(/\+p$/, '').split(',').flatMap((name) => {
    const found = lookupCap(name, MAX_CAP);
    return found.ok ? [found.cap] : [];
  });
  return { prefix, caps, group: manifest.group, policy: manifest.policy === undefined ? undefined : POLICY_PATH };
}
