import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isDigits, isHexDigits } from '../../../src/support/characters';

// The loops stand in for regular expressions on every start: they must say what those say.
test('isDigits() and isHexDigits() agree with the regular expressions they replace', () => {
  const text = fc.string({ unit: fc.constantFrom('0', '9', 'a', 'F', 'f', 'g', 'G', '/', ':', '@', '`', ' ', '\u0660', '\uff10'), maxLength: 22 });
  fc.assert(fc.property(text, fc.integer({ min: 1, max: 20 }), (value, max) => {
    assert.is(isDigits(value, max), new RegExp(`^\\d{1,${max}}$`).test(value), `digits ${value} ${max}`);
    assert.is(isHexDigits(value, max), new RegExp(`^[0-9a-f]{1,${max}}$`, 'i').test(value), `hex ${value} ${max}`);
  }), { numRuns: 3000 });
});

test.run();
