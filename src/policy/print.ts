import { capsArgument } from '../caps/names';
import type { Rule, SetenvItem } from './rule';
import { quoteWord } from './syntax';

// A rule as capexec.conf would say it, in the canonical order and spelling, so that
// parsing what this prints gives the same rule back.
export function ruleText(rule: Rule): string {
  const words: string[] = [rule.action];
  if (rule.keepenv) words.push('keepenv');
  if (rule.setenv.length > 0) words.push('setenv', '{', ...rule.setenv.map(setenvText), '}');
  words.push(quoteWord(`${rule.identity.kind === 'group' ? ':' : ''}${rule.identity.text}`));
  if (rule.caps !== undefined) words.push('cap', capsArgument(rule.caps));
  if (rule.command !== undefined) {
    words.push('cmd', quoteWord(rule.command.path));
    if (rule.command.sha256 !== undefined) words.push('sha256', rule.command.sha256);
    if (rule.command.args !== undefined) words.push('args', ...rule.command.args.map(quoteWord));
  }
  return words.join(' ');
}

function setenvText(item: SetenvItem): string {
  switch (item.kind) {
    case 'set':
      return quoteWord(`${item.name}=${item.value}`);
    case 'copy-from':
      return `${item.name}=$${item.from}`;
    case 'keep':
      return item.name;
    case 'unset':
      return `-${item.name}`;
  }
}
