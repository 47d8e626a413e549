// The sandbox page: a small Telegram client for the people in the sandbox's world.
//
// Everything goes through the emulator's control API on this origin: /sandbox.json says who is who,
// POST /_emulator/messages and /_emulator/callback act as a person, and the event stream at
// /_emulator/events brings every message, edit, deletion, "typing…" and button answer as it happens.
// Every control request carries the token the sandbox wrote into this page, which no other site can read.

import { h, previewOf, renderMessage, sandboxToken } from './render.js';

const $ = (id) => document.getElementById(id);

const state = {
  world: undefined,
  /** chatId → { persona, messages: Map<message_id, Message>, order: number[], lastSeq, unread, typingUntil } */
  chats: new Map(),
  active: undefined,
  replyTo: undefined,
  /** `${messageId}:${callback_data}` of buttons pressed and not yet answered, per chat. */
  pendingButtons: new Map(),
  syncing: false,
  buffered: [],
};

// ---------------------------------------------------------------------------------------------
// Talking to the emulator

async function control(method, path, body) {
  const response = await fetch(`/_emulator${path}`, {
    method,
    headers: { 'x-control-token': sandboxToken, ...(method === 'GET' ? {} : { 'content-type': 'application/json' }) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const answer = await response.json().catch(() => ({ ok: false, error: `HTTP ${response.status}` }));
  if (!answer.ok) throw new Error(answer.error ?? `HTTP ${response.status}`);
  return answer.result;
}

async function sendAs(persona, spec) {
  try {
    await control('POST', '/messages', {
      chatId: persona.chatId,
      from: persona.user,
      ...spec,
      ...(state.replyTo ? { replyTo: state.replyTo.message_id } : {}),
    });
    setReplyTo(undefined);
    state.chats.get(persona.chatId).forceReplyTo = undefined;
    return true;
  } catch (error) {
    toast(`Not sent: ${error.message}`, 'error');
    return false;
  }
}

async function pressButton(chat, message, button) {
  const key = `${message.message_id}:${button.callback_data}`;
  const pending = state.pendingButtons.get(chat.persona.chatId) ?? new Set();
  pending.add(key);
  state.pendingButtons.set(chat.persona.chatId, pending);
  rerenderMessage(chat, message.message_id);
  // Telegram shows a spinner until the bot answers; give up on it quietly after a while, as Telegram does.
  setTimeout(() => clearPending(chat, message.message_id, key), 8000);
  try {
    await control('POST', '/callback', { chatId: chat.persona.chatId, messageId: message.message_id, data: button.callback_data, from: chat.persona.user });
  } catch (error) {
    clearPending(chat, message.message_id, key);
    toast(`Button press failed: ${error.message}`, 'error');
  }
}

function clearPending(chat, messageId, key) {
  const pending = state.pendingButtons.get(chat.persona.chatId);
  if (pending?.delete(key)) rerenderMessage(chat, messageId);
}

/**
 * Opens the event stream, then (re)loads every chat's transcript. Events that arrive while the
 * transcripts load are held back and applied after them, so nothing is lost or shown twice.
 */
function connect() {
  const events = new EventSource(`/_emulator/events?token=${encodeURIComponent(sandboxToken)}`);
  events.addEventListener('open', () => {
    // Hold events from the first moment: they must be applied after the transcripts, not before.
    state.syncing = true;
    void reconnected();
  });
  events.addEventListener('error', () => {
    setConnection('down', 'reconnecting…');
    // A restarted sandbox refuses this page's old token, and a refused stream is not retried by the
    // browser: look for the new sandbox, and reload into it.
    if (events.readyState === EventSource.CLOSED) setTimeout(() => void findRestartedSandbox(), 1000);
  });
  events.addEventListener('message', (event) => handleEvent('message', JSON.parse(event.data)));
  events.addEventListener('chat_action', (event) => handleEvent('chat_action', JSON.parse(event.data)));
  events.addEventListener('callback_answer', (event) => handleEvent('callback_answer', JSON.parse(event.data)));
}

async function findRestartedSandbox() {
  const world = await fetch('/sandbox.json')
    .then((response) => response.json())
    .catch(() => undefined);
  if (world && world.instance !== state.world.instance) location.reload();
  else if (world) connect();
  else setTimeout(() => void findRestartedSandbox(), 1000);
}

async function reconnected() {
  // A restarted sandbox has a new emulator with none of these chats: start over with it.
  const world = await fetch('/sandbox.json')
    .then((response) => response.json())
    .catch(() => state.world);
  if (world.instance !== state.world.instance) {
    location.reload();
    return;
  }
  setConnection('live', 'live');
  await resync();
}

async function resync() {
  state.syncing = true;
  try {
    for (const chat of state.chats.values()) {
      const entries = await control('GET', `/chats/${chat.persona.chatId}/messages`);
      for (const entry of entries) applyEntry(entry);
    }
  } catch (error) {
    toast(`Could not load the chats: ${error.message}`, 'error');
  } finally {
    state.syncing = false;
    const held = state.buffered.splice(0);
    for (const [kind, data] of held) handleEvent(kind, data);
  }
}

function handleEvent(kind, data) {
  if (state.syncing) {
    state.buffered.push([kind, data]);
    return;
  }
  if (kind === 'message') applyEntry(data);
  else if (kind === 'chat_action') showTyping(data);
  else if (kind === 'callback_answer') showCallbackAnswer(data);
}

// ---------------------------------------------------------------------------------------------
// The model: one transcript per chat, applied in order

function applyEntry(entry) {
  const chat = state.chats.get(entry.chat_id);
  if (!chat || entry.seq <= chat.lastSeq) return;
  chat.lastSeq = entry.seq;
  if (entry.kind === 'callback_query') return;
  if (entry.kind === 'delete') {
    chat.messages.delete(entry.message_id);
    chat.order = chat.order.filter((id) => id !== entry.message_id);
    if (chat === state.active) $('messages').querySelector(`[data-message-id="${entry.message_id}"]`)?.remove();
    renderChatList();
    return;
  }
  const isNew = !chat.messages.has(entry.message_id);
  chat.messages.set(entry.message_id, entry.message);
  if (isNew) chat.order.push(entry.message_id);
  if (entry.direction === 'bot') {
    chat.typingUntil = 0;
    if (isNew && chat !== state.active) chat.unread++;
    if (isNew && !state.syncing && !entry.message.reply_markup) void honourForceReply(chat, entry.message);
    // An edit answers a pressed button as often as answerCallbackQuery does.
    state.pendingButtons.get(chat.persona.chatId)?.clear();
  }
  if (chat === state.active) {
    if (isNew) appendMessage(chat, entry.message_id);
    else rerenderMessage(chat, entry.message_id);
    renderHeader();
  }
  renderChatList();
}

/** A bot message sent with force_reply opens a reply to it, as a Telegram client does. */
async function honourForceReply(chat, message) {
  const response = await fetch(`/sandbox/reply-markup?chat_id=${chat.persona.chatId}&message_id=${message.message_id}`, { headers: { 'x-control-token': sandboxToken } });
  const { reply_markup: markup } = await response.json();
  if (!markup?.force_reply) return;
  chat.forceReplyTo = message;
  if (chat === state.active && !state.replyTo) setReplyTo(message);
}

function showTyping(action) {
  const chat = state.chats.get(action.chat_id);
  if (!chat) return;
  chat.typingUntil = Date.now() + 5000;
  if (chat === state.active) renderHeader();
  setTimeout(() => chat === state.active && renderHeader(), 5100);
}

function showCallbackAnswer(answer) {
  const chat = state.chats.get(answer.chat_id);
  if (chat) {
    const pending = state.pendingButtons.get(chat.persona.chatId);
    for (const key of [...(pending ?? [])]) if (key.startsWith(`${answer.message_id}:`)) clearPending(chat, answer.message_id, key);
  }
  if (answer.text && (!chat || chat === state.active)) toast(answer.text, answer.show_alert ? 'alert' : 'info');
}

// ---------------------------------------------------------------------------------------------
// Rendering

function personaName(persona) {
  return [persona.user.first_name, persona.user.last_name].filter(Boolean).join(' ');
}

function avatarFor(persona) {
  const hue = (persona.user.id * 47) % 360;
  const group = persona.role !== 'resident';
  return h('div', { class: `avatar${group ? ' staff' : ''}`, style: { '--hue': String(hue) }, 'aria-hidden': 'true' }, group ? '群' : personaName(persona).slice(0, 1));
}

function chatTitle(persona) {
  if (persona.role === 'unit') return persona.group.title;
  return persona.role === 'staff' ? state.world.staffGroup.title : personaName(persona);
}

function renderChatList() {
  const list = $('chat-list');
  const groups = [
    ['Residents · 群众', 'resident'],
    ['Staff · 工作人员', 'staff'],
    ['Units · 单位', 'unit'],
  ];
  list.replaceChildren(
    ...groups.flatMap(([title, role]) => [
      h('h3', {}, title),
      ...[...state.chats.values()]
        .filter((chat) => chat.persona.role === role)
        .map((chat) => {
          const lastId = chat.order[chat.order.length - 1];
          const last = lastId === undefined ? undefined : chat.messages.get(lastId);
          const who = !last || last.from?.is_bot ? '' : last.from?.id === chat.persona.user.id ? 'You: ' : `${last.from?.first_name ?? ''}: `;
          const preview = last ? `${who}${previewOf(last)}` : '';
          return h(
            'button',
            {
              type: 'button',
              class: `chat-item${chat === state.active ? ' active' : ''}`,
              dataset: { persona: chat.persona.key },
              'aria-current': chat === state.active ? 'true' : undefined,
              onclick: () => selectChat(chat.persona.key),
            },
            avatarFor(chat.persona),
            h(
              'span',
              { class: 'chat-item-text' },
              h('span', { class: 'chat-item-name' }, chat.persona.role === 'staff' ? `${personaName(chat.persona)} · 工作群` : chat.persona.role === 'unit' ? `${personaName(chat.persona)} · ${chat.persona.group.title}` : personaName(chat.persona)),
              h('span', { class: 'chat-item-about' }, chat.persona.about),
              preview ? h('span', { class: 'chat-item-preview' }, preview.split('\n')[0]) : null,
            ),
            chat.unread > 0 ? h('span', { class: 'badge', 'aria-label': `${chat.unread} unread` }, String(chat.unread)) : null,
          );
        }),
    ]),
  );
}

function renderHeader() {
  const chat = state.active;
  const persona = chat.persona;
  $('chat-avatar').replaceWith(Object.assign(avatarFor(persona), { id: 'chat-avatar' }));
  $('chat-name').textContent = chatTitle(persona);
  const bot = `@${state.world.bot.username}`;
  const subtitle =
    Date.now() < chat.typingUntil
      ? `${state.world.bot.first_name} is typing…`
      : persona.role === 'staff'
        ? `Staff group with ${bot} · you are ${personaName(persona)} (staff)`
        : persona.role === 'unit'
          ? `Unit group with ${bot}, bound to ${persona.group.units.join(', ')} · you are ${personaName(persona)}`
          : `Private chat with ${bot} · you are ${personaName(persona)} (resident, ${persona.user.language_code})`;
  const line = $('chat-subtitle');
  line.textContent = subtitle;
  line.classList.toggle('typing', Date.now() < chat.typingUntil);
}

function messageElement(chat, message) {
  const own = message.from?.id === chat.persona.user.id;
  const inGroup = chat.persona.role !== 'resident';
  return renderMessage(message, {
    own,
    showSender: inGroup && !own,
    senderName: message.from?.first_name ?? '',
    pendingButtons: state.pendingButtons.get(chat.persona.chatId),
    onPress: (m, button) => void pressButton(chat, m, button),
    onReply: (m) => setReplyTo(m),
    onCommand: (command) => void sendAs(chat.persona, { text: command }),
  });
}

function isNearBottom(list) {
  return list.scrollHeight - list.scrollTop - list.clientHeight < 80;
}

function appendMessage(chat, messageId) {
  const list = $('messages');
  const stick = isNearBottom(list);
  list.querySelector('.empty')?.remove();
  list.append(messageElement(chat, chat.messages.get(messageId)));
  const message = chat.messages.get(messageId);
  if (stick || message.from?.id === chat.persona.user.id) scrollToBottom(list);
}

function rerenderMessage(chat, messageId) {
  if (chat !== state.active) return;
  const old = $('messages').querySelector(`[data-message-id="${messageId}"]`);
  const message = chat.messages.get(messageId);
  if (old && message) old.replaceWith(messageElement(chat, message));
}

function renderMessages() {
  const chat = state.active;
  const list = $('messages');
  const items = chat.order.map((id) => messageElement(chat, chat.messages.get(id)));
  if (items.length === 0) {
    items.push(
      h(
        'div',
        { class: 'empty' },
        chat.persona.role === 'staff'
          ? 'The staff group. Urgent reports appear here. Try /help or /problems.'
          : chat.persona.role === 'unit'
            ? 'The school\'s own group. Problems the bureau assigns to it (/assign N 实验小学) arrive here to accept, return or extend. Try /problems or /ranking month.'
            : 'No messages yet. Press a suggestion below, or write anything a resident might send.',
      ),
    );
  }
  list.replaceChildren(...items);
  scrollToBottom(list);
}

function scrollToBottom(list) {
  list.scrollTop = list.scrollHeight;
  // Images load later and push the end down.
  for (const img of list.querySelectorAll('img')) if (!img.complete) img.addEventListener('load', () => isNearBottom(list) || (list.scrollTop = list.scrollHeight), { once: true });
}

function renderSuggestions() {
  const persona = state.active.persona;
  $('suggestions').replaceChildren(
    ...persona.suggestions.map((text) =>
      h('button', { type: 'button', class: 'chip', title: text, onclick: () => void sendAs(persona, { text }) }, text.length > 28 ? `${text.slice(0, 27)}…` : text),
    ),
  );
}

function setReplyTo(message) {
  const list = $('messages');
  const stick = isNearBottom(list);
  state.replyTo = message;
  $('reply-bar').hidden = !message;
  // The bar takes room from the messages; keep the newest one in view.
  if (stick) list.scrollTop = list.scrollHeight;
  if (message) {
    $('reply-bar-name').textContent = `Reply to ${message.from?.first_name ?? ''}`;
    $('reply-bar-preview').textContent = previewOf(message).split('\n')[0];
    $('text').focus();
  }
}

function selectChat(key) {
  const chat = [...state.chats.values()].find((c) => c.persona.key === key) ?? [...state.chats.values()][0];
  if (state.active !== chat) setReplyTo(undefined);
  state.active = chat;
  if (chat.forceReplyTo && chat.messages.has(chat.forceReplyTo.message_id)) setReplyTo(chat.forceReplyTo);
  chat.unread = 0;
  if (location.hash !== `#${chat.persona.key}`) history.replaceState(null, '', `#${chat.persona.key}`);
  renderHeader();
  renderMessages();
  renderSuggestions();
  renderChatList();
  $('text').focus();
}

function setConnection(stateName, label) {
  const element = $('connection');
  element.dataset.state = stateName;
  element.querySelector('.label').textContent = label;
}

function toast(text, kind = 'info') {
  const element = h('div', { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
  if (kind === 'alert') element.append(h('button', { type: 'button', onclick: () => element.remove() }, 'OK'));
  $('toasts').append(element);
  if (kind !== 'alert') setTimeout(() => element.remove(), kind === 'error' ? 8000 : 4000);
}

// ---------------------------------------------------------------------------------------------
// The composer

function setUpComposer() {
  const text = $('text');
  const autosize = () => {
    text.style.height = 'auto';
    text.style.height = `${Math.min(text.scrollHeight, 160)}px`;
  };
  text.addEventListener('input', autosize);
  text.addEventListener('keydown', (event) => {
    // While an input method is composing (pinyin), Enter picks a candidate; it must not send.
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      $('composer').requestSubmit();
    }
    if (event.key === 'Escape') setReplyTo(undefined);
  });
  $('composer').addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = text.value;
    if (value.trim() === '') return;
    if (await sendAs(state.active.persona, { text: value })) {
      text.value = '';
      autosize();
    }
  });
  $('reply-cancel').addEventListener('click', () => setReplyTo(undefined));
  $('attach').addEventListener('click', () => $('file-input').click());
  $('file-input').addEventListener('change', async () => {
    const file = $('file-input').files[0];
    $('file-input').value = '';
    if (!file) return;
    const data = await toBase64(file);
    const caption = text.value.trim();
    const upload = { data, fileName: file.name, mimeType: file.type || undefined };
    const kind = /^image\/(png|jpeg|gif|webp)$/.test(file.type) ? 'photo' : 'document';
    if (await sendAs(state.active.persona, { [kind]: upload, ...(caption && { caption }) })) {
      text.value = '';
      autosize();
    }
  });
}

// Voice notes (issue 16): the browser's microphone, or, where there is none (or it is refused), a short generated
// sample clip, so the voice path can be tried on any machine. Press 🎤 to start, press again to send.
function setUpRecorder() {
  const button = $('record');
  let recording;
  const send = async (blob, seconds) => {
    const data = await toBase64(blob);
    const type = blob.type.split(';')[0] || 'audio/ogg';
    await sendAs(state.active.persona, { voice: { data, mimeType: type, fileName: `voice.${type.split('/')[1] ?? 'ogg'}`, duration: Math.max(1, Math.round(seconds)) } });
  };
  const stop = () => {
    button.setAttribute('aria-pressed', 'false');
    button.classList.remove('recording');
    const current = recording;
    recording = undefined;
    current?.recorder.stop();
  };
  button.addEventListener('click', async () => {
    if (recording) return stop();
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      // No microphone, or the permission was refused: a 2-second sample clip stands in for the resident's voice.
      return send(sampleClip(2), 2);
    }
    const type = ['audio/ogg;codecs=opus', 'audio/webm;codecs=opus', 'audio/webm'].find((t) => MediaRecorder.isTypeSupported(t));
    const recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    const chunks = [];
    const startedAt = performance.now();
    recorder.ondataavailable = (event) => chunks.push(event.data);
    recorder.onstop = () => {
      for (const track of stream.getTracks()) track.stop();
      void send(new Blob(chunks, { type: recorder.mimeType }), (performance.now() - startedAt) / 1000);
    };
    recording = { recorder };
    button.setAttribute('aria-pressed', 'true');
    button.classList.add('recording');
    recorder.start();
    // Telegram's voice notes run long; the sandbox's stop at a minute.
    setTimeout(() => recording?.recorder === recorder && stop(), 60_000);
  });
}

/** A short WAV (8 kHz, 8-bit mono, a soft two-tone hum), made here rather than shipped as a binary. */
function sampleClip(seconds) {
  const rate = 8000;
  const samples = rate * seconds;
  const bytes = new Uint8Array(44 + samples);
  const view = new DataView(bytes.buffer);
  const ascii = (offset, text) => [...text].forEach((c, i) => view.setUint8(offset + i, c.charCodeAt(0)));
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + samples, true);
  ascii(8, 'WAVEfmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, rate, true);
  view.setUint32(28, rate, true);
  view.setUint16(32, 1, true);
  view.setUint16(34, 8, true);
  ascii(36, 'data');
  view.setUint32(40, samples, true);
  for (let i = 0; i < samples; i++) bytes[44 + i] = 128 + Math.round(40 * Math.sin((2 * Math.PI * (i < samples / 2 ? 220 : 330) * i) / rate));
  return new Blob([bytes], { type: 'audio/wav' });
}

function toBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const response = await fetch('/sandbox.json');
  state.world = await response.json();
  for (const persona of state.world.personas) {
    state.chats.set(persona.chatId, { persona, messages: new Map(), order: [], lastSeq: 0, unread: 0, typingUntil: 0 });
  }
  setUpComposer();
  setUpRecorder();
  selectChat(location.hash.slice(1));
  window.addEventListener('hashchange', () => selectChat(location.hash.slice(1)));
  connect();
}

main().catch((error) => {
  setConnection('down', 'failed to start');
  toast(`The page could not start: ${error.message}`, 'error');
});
