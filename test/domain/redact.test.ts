import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactPersonalData } from '../../src/domain/redact.ts';

/** Before a resident's text goes to the LLM, phone numbers, ID numbers, e-mail addresses and bank cards are masked. */

const digits = (s: string) => s.replace(/\D/g, '');

describe('redactPersonalData', () => {
  it.each([
    ['mobile', '我的手机13812345678有事打', '我的手机[PHONE]有事打'],
    ['mobile in groups', '请打 138 1234 5678 联系我', '请打 [PHONE] 联系我'],
    ['mobile with dashes and +86', '+86-139-1234-5678 是我', '[PHONE] 是我'],
    ['mobile with 0086', '0086 135 7777 8888', '[PHONE]'],
    ['mobile with dots', '手机 136.1111.2222', '手机 [PHONE]'],
    ['full-width mobile', '电话１３９８７６５４３２１', '电话[PHONE]'],
    ['mobile split by zero-width spaces', '手机 137\u200b0000\u200b1111', '手机 [PHONE]'],
    ['landline', '家长电话 010-87654321', '家长电话 [PHONE]'],
    ['landline in parentheses with extension', '(0371)6123456转8008', '[PHONE]'],
    ['full-width parentheses', '（0371）6123456', '[PHONE]'],
    ['landline in groups', '021 6432 1234', '[PHONE]'],
    ['landline 4-4', '0755-8888-6666', '[PHONE]'],
    ['landline in international form', '+86 10 8765 4321', '[PHONE]'],
    ['local number after a phone word', '座机：6543210', '座机：[PHONE]'],
    ['ID number', '身份证号11010519491231002X，学籍问题', '身份证号[ID]，学籍问题'],
    ['ID number with lower-case x', '110105194912310021 和 11010519491231002x', '[ID] 和 [ID]'],
    ['ID number in groups', '身份证 110105 19491231 0038', '身份证 [ID]'],
    ['ID number inside Chinese text', '我是330106200001011234的家长', '我是[ID]的家长'],
    ['old 15-digit ID', '老身份证110105491231002', '老身份证[ID]'],
    ['e-mail', '邮箱 zhang.san+school@example.com.cn 谢谢', '邮箱 [EMAIL] 谢谢'],
    ['bank card in groups', '退款请打到 6222 0212 3456 7890 123', '退款请打到 [CARD]'],
    ['bank card', '银行卡6217002870001234567', '银行卡[CARD]'],
    ['any other long number', '订单号 20240501123456789012345', '订单号 [NUMBER]'],
  ])('masks a %s', (_name, text, expected) => {
    expect(redactPersonalData(text)).toBe(expected);
  });

  it.each([
    ['amounts', '每人每月收800元，一共收了12000元'],
    ['dates and times', '2024-05-01 下午3:30，2024.5.1'],
    ['addresses', '幸福小区3栋2单元501室'],
    ['class and school numbers', '第一中学初二(3)班，第12条意见'],
    ['prices with decimals', '一份饭12.50元'],
    ['a hostile text without numbers', '<b>一中</b> *粗* \u202eevil'],
  ])('leaves %s alone', (_name, text) => {
    expect(redactPersonalData(text)).toBe(text.replace(/\u202e/g, ''));
  });

  // Surrounding text that cannot run into a number: Chinese, Latin letters, punctuation, no digits.
  const around = fc.string({ unit: fc.constantFrom(...'第一中学食堂太贵了请联系我 abcXYZ，。！：:'.split('')), maxLength: 20 });
  const sep = fc.constantFrom('', ' ', '-', '.');
  const d = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((a) => a.join(''));

  const mobile = fc
    .tuple(fc.constantFrom('', '+86', '+86 ', '86-', '0086 '), fc.integer({ min: 3, max: 9 }), d(1), d(4), d(4), sep, sep)
    .map(([prefix, second, third, mid, end, s1, s2]) => ({ written: `${prefix}1${second}${third}${s1}${mid}${s2}${end}`, core: `1${second}${third}${mid}${end}` }));
  const idNumber = fc
    .tuple(d(6), fc.integer({ min: 1900, max: 2025 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }), d(3), fc.constantFrom('0', '5', '9', 'X', 'x'), fc.constantFrom('', ' '))
    .map(([region, year, month, day, seq, check, s]) => {
      const core = `${region}${s}${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}${s}${seq}${check}`;
      return { written: core, core: core.replace(/ /g, '') };
    });
  const card = fc
    .tuple(fc.integer({ min: 16, max: 19 }), fc.boolean())
    .chain(([length, grouped]) => d(length).map((n) => ({ written: grouped ? n.replace(/(\d{4})(?=\d)/g, '$1 ') : n, core: n })));
  const landline = fc
    .tuple(fc.constantFrom('010', '021', '0371', '0755'), fc.integer({ min: 2, max: 9 }), fc.integer({ min: 6, max: 7 }).chain(d), sep, fc.boolean())
    .map(([area, first, rest, s, parens]) => ({ written: `${parens ? `(${area})` : area}${s}${first}${rest}`, core: `${first}${rest}` }));
  const email = fc.emailAddress().map((written) => ({ written, core: written }));

  it.each([
    ['mobile numbers', mobile],
    ['ID numbers', idNumber],
    ['bank cards', card],
    ['landlines', landline],
  ] as const)('no %s survive, whatever surrounds them', (_name, numbers) => {
    fc.assert(
      fc.property(around, numbers, around, (before, number, after) => {
        const redacted = redactPersonalData(`${before}${number.written}${after}`);
        expect(digits(redacted)).not.toContain(digits(number.core));
        expect(redacted).toMatch(/\[(PHONE|ID|CARD|NUMBER)\]/);
      }),
      { numRuns: 300 },
    );
  });

  it('no e-mail address survives', () => {
    fc.assert(
      fc.property(around, email, around, (before, address, after) => {
        expect(redactPersonalData(`${before} ${address.written} ${after}`)).not.toContain(address.core);
      }),
      { numRuns: 300 },
    );
  });

  it('masking twice changes nothing more', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (text) => {
        const once = redactPersonalData(text);
        expect(redactPersonalData(once)).toBe(once);
      }),
    );
  });
});
