import type { Facts } from '../facts';
import { userNamespace, type Finding } from '../findings';
import { isInitialUidMap } from '../../kernel/proc-parse';

export function checkUserNamespace(facts: Facts): Finding[] {
  return isInitialUidMap(facts.process.uidMap) ? [] : [userNamespace(facts.process.uidMap)];
}
