import { isStandaloneExecutable, ownAsset } from '../kernel/addon';

// Whether this executable refuses every launch by a user other than root when
// /etc/capexec.conf is missing. It is written into the executable itself, as an asset
// of the standalone executable: nothing in the environment, no file a user can create,
// and no hard link (which is the same file) can change it; a copy loses its file
// capabilities. `node scripts/build-sea.js --require-policy` builds it required, and
// `capexec --install PREFIX --policy FILE` makes the installed copy so.
export const POLICY_MODE_ASSET = 'policy-mode';
export const POLICY_MODE_PREFIX = 'capexec-policy:';

export function policyRequired(): boolean {
  if (!isStandaloneExecutable()) return false;
  // Every build has the asset: one without it is damaged, and fails closed.
  return ownAsset(POLICY_MODE_ASSET) !== `${POLICY_MODE_PREFIX}optional`;
}
