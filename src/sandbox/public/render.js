// Turns Telegram messages into DOM nodes, the way a Telegram client shows them.
//
// Bot messages are drawn from the text and entities the emulator produced by parsing the bot's HTML,
// exactly as Telegram does; the page never inserts HTML. Every piece of text goes in through
// textContent, so a resident who writes <script> sees those characters and nothing runs.

/** Creates an element with attributes and children (strings become text nodes). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') element.className = value;
    else if (name === 'dataset') Object.assign(element.dataset, value);
    // Through the CSSOM: the page's content security policy refuses style="" attributes.
    else if (name === 'style') for (const [property, v] of Object.entries(value)) element.style.setProperty(property, v);
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return element;
}

/** Only links a browser can follow safely; anything else (javascript:, data:…) is shown as text. */
export function safeHref(url) {
  try {
    const parsed = new URL(url);
    return ['http:', 'https:', 'mailto:'].includes(parsed.protocol) ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Text with Telegram entities as nested elements. Offsets are UTF-16 units, as JavaScript strings
 * count. Entities nest as the HTML they came from did; one that overlaps its parent is cut at the
 * parent's end, and no character is ever dropped.
 */
export function renderEntities(text, entities = [], handlers = {}) {
  const sorted = [...entities]
    .filter((e) => e.length > 0 && e.offset >= 0 && e.offset < text.length)
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  const fragment = document.createDocumentFragment();
  build(fragment, 0, text.length, sorted);
  return fragment;

  function build(parent, start, end, list) {
    let position = start;
    let i = 0;
    while (i < list.length) {
      const entity = list[i];
      const entityStart = Math.max(entity.offset, position);
      const entityEnd = Math.min(entity.offset + entity.length, end);
      let j = i + 1;
      const inner = [];
      while (j < list.length && list[j].offset < entityEnd) inner.push(list[j++]);
      if (entityStart < entityEnd) {
        if (entityStart > position) parent.append(text.slice(position, entityStart));
        const element = elementFor(entity, text.slice(entityStart, entityEnd), handlers);
        build(element.querySelector('[data-content]') ?? element, entityStart, entityEnd, inner);
        parent.append(element);
        position = entityEnd;
      }
      i = j;
    }
    if (position < end) parent.append(text.slice(position, end));
  }
}

function elementFor(entity, covered, handlers) {
  switch (entity.type) {
    case 'bold':
      return h('strong');
    case 'italic':
      return h('em');
    case 'underline':
      return h('u');
    case 'strikethrough':
      return h('s');
    case 'spoiler':
      return h('span', { class: 'spoiler', title: 'Spoiler: click to show', onclick: (e) => e.currentTarget.classList.add('revealed') });
    case 'code':
      return h('code');
    case 'pre': {
      const code = h('code', { 'data-content': true, dataset: entity.language ? { language: entity.language } : {} });
      return h('pre', {}, code);
    }
    case 'blockquote':
    case 'expandable_blockquote':
      return h('blockquote', { class: entity.type === 'expandable_blockquote' ? 'expandable' : undefined });
    case 'text_link':
    case 'url': {
      const target = entity.type === 'url' ? (/^[a-z][a-z0-9+.-]*:/i.test(covered) ? covered : `http://${covered}`) : entity.url;
      const href = safeHref(target);
      return href ? h('a', { href, target: '_blank', rel: 'noopener noreferrer', title: href }) : h('span', { class: 'link-text' });
    }
    case 'email':
      return h('a', { href: `mailto:${covered}` });
    case 'bot_command':
      return h('a', {
        href: '#',
        class: 'command',
        title: `Send ${covered}`,
        onclick: (event) => {
          event.preventDefault();
          handlers.onCommand?.(covered);
        },
      });
    case 'mention':
    case 'text_mention':
      return h('span', { class: 'mention' });
    case 'hashtag':
    case 'cashtag':
      return h('span', { class: 'hashtag' });
    default:
      return h('span', { class: `entity-${entity.type}` });
  }
}

export function formatTime(unixSeconds) {
  return new Date(unixSeconds * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false });
}

export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * This start's control token, which the sandbox wrote into the page. Every request to the emulator's
 * control API carries it; links and images, which cannot send headers, carry it as ?token=.
 */
export const sandboxToken = document.querySelector('meta[name="sandbox-token"]')?.getAttribute('content') ?? '';

export const fileUrl = (fileId) => `/_emulator/files/${encodeURIComponent(fileId)}?token=${encodeURIComponent(sandboxToken)}`;

/** A one-line preview of a message, for the chat list and the reply quote. */
export function previewOf(message) {
  if (!message) return '';
  if (message.text) return message.text;
  // Words, not emoji: the page must read well on a machine without an emoji font.
  if (message.photo) return message.caption ? `Photo · ${message.caption}` : 'Photo';
  if (message.document) return `File · ${message.document.file_name ?? ''}`;
  if (message.voice) return 'Voice message';
  if (message.sticker) return `Sticker ${message.sticker.emoji ?? ''}`;
  if (message.location) return 'Location';
  if (message.contact) return 'Contact';
  return message.caption ?? '';
}

/**
 * One message bubble. `context` carries what the bubble needs from the page: whether it is the
 * viewer's own message, whether to show the sender's name, and the actions (press a button, reply,
 * send a command).
 */
export function renderMessage(message, context) {
  const { own, showSender, senderName, onPress, onReply, onCommand, pendingButtons } = context;
  const content = h('div', { class: 'bubble-content' });

  if (showSender) content.append(h('div', { class: 'sender' }, senderName));

  if (message.reply_to_message) {
    const quoted = message.reply_to_message;
    content.append(
      h('div', { class: 'quote' }, h('strong', {}, quoted.from?.first_name ?? ''), h('span', {}, previewOf(quoted).split('\n')[0] ?? '')),
    );
  }

  if (message.photo?.length) {
    const largest = message.photo[message.photo.length - 1];
    const src = fileUrl(largest.file_id);
    content.append(
      h(
        'a',
        { class: 'photo', href: src, target: '_blank', rel: 'noopener', title: 'Open the full-size image' },
        h('img', { src, alt: message.caption ?? 'Photo', width: largest.width, height: largest.height, loading: 'lazy' }),
      ),
    );
  }
  if (message.document) {
    const doc = message.document;
    content.append(
      h(
        'a',
        { class: 'document', href: fileUrl(doc.file_id), download: doc.file_name ?? 'file', title: 'Download' },
        h('span', { class: 'document-icon', 'aria-hidden': 'true' }, extensionOf(doc.file_name ?? '')),
        h('span', { class: 'document-meta' }, h('span', { class: 'document-name' }, doc.file_name ?? 'file'), h('span', { class: 'document-size' }, `${formatSize(doc.file_size ?? 0)} · Download`)),
      ),
    );
  }
  if (message.voice) {
    content.append(h('div', { class: 'media-note' }, `Voice message, ${message.voice.duration ?? 0} s`));
    content.append(h('audio', { class: 'voice', controls: true, preload: 'none', src: fileUrl(message.voice.file_id) }));
  }
  if (message.sticker) content.append(h('div', { class: 'sticker' }, message.sticker.emoji ?? 'Sticker'));
  if (message.location) content.append(h('div', { class: 'media-note' }, `Location: ${message.location.latitude}, ${message.location.longitude}`));
  if (message.contact) content.append(h('div', { class: 'media-note' }, `Contact: ${message.contact.first_name} ${message.contact.phone_number}`));

  const text = message.text ?? message.caption;
  const entities = message.text !== undefined ? message.entities : message.caption_entities;
  if (text) content.append(h('div', { class: 'text' }, renderEntities(text, entities ?? [], { onCommand })));

  content.append(
    h(
      'div',
      { class: 'meta' },
      message.edit_date ? h('span', { class: 'edited' }, 'edited') : null,
      h('time', { datetime: new Date(message.date * 1000).toISOString() }, formatTime(message.date)),
    ),
  );

  const bubble = h(
    'div',
    { class: `bubble ${own ? 'own' : 'other'}${message.photo?.length ? ' has-photo' : ''}`, ondblclick: () => onReply(message) },
    content,
    h('button', { type: 'button', class: 'reply-button', title: 'Reply to this message', 'aria-label': 'Reply', onclick: () => onReply(message) }, '↩'),
  );

  const keyboard = message.reply_markup?.inline_keyboard;
  const row = h('div', { class: `message ${own ? 'own' : 'other'}`, dataset: { messageId: message.message_id, from: own ? 'me' : message.from?.is_bot ? 'bot' : 'user' } }, bubble);
  if (keyboard?.length) row.append(renderKeyboard(message, keyboard, onPress, pendingButtons));
  return row;
}

function renderKeyboard(message, keyboard, onPress, pendingButtons) {
  return h(
    'div',
    { class: 'inline-keyboard' },
    keyboard.map((buttons) =>
      h(
        'div',
        { class: 'keyboard-row' },
        buttons.map((button) => {
          if (button.callback_data !== undefined) {
            const pending = pendingButtons?.has(`${message.message_id}:${button.callback_data}`);
            return h(
              'button',
              { type: 'button', class: `keyboard-button${pending ? ' pending' : ''}`, dataset: { callback: button.callback_data }, onclick: () => onPress(message, button) },
              button.text,
            );
          }
          const href = button.url ? safeHref(button.url) : undefined;
          if (href) return h('a', { class: 'keyboard-button link', href, target: '_blank', rel: 'noopener noreferrer' }, `${button.text} ↗`);
          return h('button', { type: 'button', class: 'keyboard-button', disabled: true, title: 'Not available in the sandbox' }, button.text);
        }),
      ),
    ),
  );
}

function extensionOf(name) {
  const extension = /\.([a-z0-9]{1,5})$/i.exec(name)?.[1];
  return extension ? extension.toUpperCase() : 'FILE';
}
