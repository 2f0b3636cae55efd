import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diagnose } from '../../../src/diagnose/diagnose';
import { noFileCaps } from '../../../src/diagnose/findings';
import { facts, NET_ADMIN, NET_RAW } from '../../fixtures/facts';

const EXE = Buffer.from('/opt/x/libexec/capexec/capexec');
const installation = { prefix: '/opt/x', caps: [NET_ADMIN], group: undefined };

test('an installed copy without the caps is fixed by --install again, never by a bare setcap', () => {
  const none = noFileCaps(EXE, { kind: 'none' }, [NET_ADMIN], installation);
  assert.is(none.fix, 'as root: /opt/x/libexec/capexec/capexec --install /opt/x --cap cap_net_admin');
  const lacking = noFileCaps(EXE, { kind: 'lacking', caps: { version: 2, effective: false, permitted: 1n << 12n, inheritable: 0n, rootid: undefined } }, [NET_RAW], installation);
  assert.is(lacking.fix, 'as root: /opt/x/libexec/capexec/capexec --install /opt/x --cap cap_net_admin,cap_net_raw');
  // --install without its --group would open the installation to every user.
  const grouped = noFileCaps(EXE, { kind: 'none' }, [NET_RAW], { ...installation, group: 'netdev' });
  assert.is(grouped.fix, 'as root: /opt/x/libexec/capexec/capexec --install /opt/x --cap cap_net_admin,cap_net_raw --group netdev');
  // Without its --policy the reinstall would be refused.
  const required = noFileCaps(EXE, { kind: 'none' }, [NET_RAW], { ...installation, policy: '/etc/capexec.conf' });
  assert.is(required.fix, 'as root: /opt/x/libexec/capexec/capexec --install /opt/x --policy /etc/capexec.conf --cap cap_net_admin,cap_net_raw');
  assert.is(noFileCaps(EXE, { kind: 'none' }, [NET_ADMIN]).fix, 'as root: setcap cap_net_admin+p /opt/x/libexec/capexec/capexec');
});

test('the check uses the installed-copy fact', () => {
  const found = diagnose(facts({
    process: { permitted: 0n },
    executable: { path: EXE, capability: { errno: 'ENODATA' }, installation },
  })).findings.find((finding) => finding.id === 'no_file_caps');
  assert.is(found?.fix, 'as root: /opt/x/libexec/capexec/capexec --install /opt/x --cap cap_net_admin');
});

test.run();
