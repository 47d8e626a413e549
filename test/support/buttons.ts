/** Inline keyboards as tests read them: typed once, instead of a cast of `reply_markup` in every test. */

export interface InlineButton {
  text: string;
  callback_data: string;
}

export type InlineKeyboard = InlineButton[][];

/** Which button: its exact callback data, or a test on the button. */
export type ButtonChoice = string | ((button: InlineButton) => boolean);

/** The inline keyboard in a `reply_markup` (recorded payload or emulator message); [] when there is none (no markup, force_reply). */
export function keyboardOf(markup: unknown): InlineKeyboard {
  const rows = (markup as { inline_keyboard?: unknown } | undefined)?.inline_keyboard;
  return Array.isArray(rows) ? (rows as InlineKeyboard) : [];
}

/** The button a test means, or undefined. */
export function findButton(keyboard: InlineKeyboard, choice: ButtonChoice): InlineButton | undefined {
  const matches = typeof choice === 'string' ? (b: InlineButton) => b.callback_data === choice : choice;
  return keyboard.flat().find(matches);
}
