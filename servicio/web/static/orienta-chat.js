/*! Orienta chat widget — MIT. Embed:
 *  <script src="https://HOST/static/orienta-chat.js" data-rasa-url="https://RASA_HOST" defer></script>
 * Loads orienta-chat.css and vendor/socket.io.min.js relative to its own src and talks to
 * Rasa 3.6's socketio channel (user_uttered / bot_uttered, session_persistence: true).
 * Security: message content is only ever inserted with textContent / createTextNode.
 * Privacy (shared computers at a consulate):
 *  - "Terminar y borrar" ends the conversation: the transcript and the session id are erased
 *    from this browser, Rasa gets /restart for the old one, a new conversation starts;
 *  - after data-inactividad-min minutes without a message (30; 5 in kiosk mode) the same
 *    happens on its own, also when the page is opened again later;
 *  - data-kiosk="true": nothing is written to localStorage or sessionStorage (memory only);
 *  - a message with a CURP, a folio, an e-mail or a phone number is never stored: the stored
 *    transcript keeps a placeholder instead (what is on screen is unchanged).
 * Talking to a promoter (channels/canalizacion.py): a `bot_uttered` whose metadata.autor is
 * "promotor" is shown as that person's message (name + "promotora del consulado"), not the
 * bot's; metadata.canalizacion ("con_promotora" / "con_asistente") says who answers now, so
 * no "escribiendo…" waits for the bot while a promoter has the conversation.
 * "escribiendo…" without an answer after TYPING_TIMEOUT_MS becomes a notice with "Reintentar"
 * (announced to screen readers); the retry re-sends the same message id, counted once.
 */
(function () {
  "use strict";

  var script =
    document.currentScript ||
    document.querySelector('script[src*="orienta-chat.js"][data-rasa-url]');
  if (!script || window.__orientaChatLoaded) return;
  window.__orientaChatLoaded = true;

  var base = new URL(".", script.src).href;
  var cfg = {
    rasaUrl: script.getAttribute("data-rasa-url") || "",
    socketPath: script.getAttribute("data-socket-path") || "/socket.io",
    title: script.getAttribute("data-title") || "Orienta",
    storagePrefix: script.getAttribute("data-storage-prefix") || "orienta-chat",
    kiosk: script.getAttribute("data-kiosk") === "true",
  };
  var inactividad = parseFloat(script.getAttribute("data-inactividad-min"));
  cfg.inactivityMs = (inactividad > 0 ? inactividad : cfg.kiosk ? 5 : 30) * 60000;
  var MAX_STORED = 200;
  var MAX_LEN = 1000;
  var TYPING_TIMEOUT_MS = 20000;
  var ROL_PROMOTOR = "promotora del consulado";

  // ------------------------------------------------------------------ storage
  // Kiosk mode: memory only, so the next person at this computer finds nothing.
  var memory = {};
  function storageGet(area, key) {
    if (cfg.kiosk) return Object.prototype.hasOwnProperty.call(memory, key) ? memory[key] : null;
    try {
      return window[area].getItem(key);
    } catch (e) {
      return null;
    }
  }
  function storageSet(area, key, value) {
    if (cfg.kiosk) {
      memory[key] = String(value);
      return;
    }
    try {
      window[area].setItem(key, value);
    } catch (e) {
      /* private mode / quota: the chat still works, it just is not persisted */
    }
  }
  function storageRemove(area, key) {
    delete memory[key];
    if (cfg.kiosk) return;
    try {
      window[area].removeItem(key);
    } catch (e) {
      /* nothing stored */
    }
  }
  function newSessionId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID().replace(/-/g, "");
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }
  var sessionKey = cfg.storagePrefix + ":session";
  var sessionId = storageGet("localStorage", sessionKey);
  if (!sessionId || !/^[A-Za-z0-9_-]{8,64}$/.test(sessionId)) {
    sessionId = newSessionId();
    storageSet("localStorage", sessionKey, sessionId);
  }
  var transcriptKey = cfg.storagePrefix + ":transcript:" + sessionId;
  var openKey = cfg.storagePrefix + ":open";
  var activityKey = cfg.storagePrefix + ":actividad";

  function touch() {
    storageSet("localStorage", activityKey, String(Date.now()));
  }
  function expired() {
    var last = parseInt(storageGet("localStorage", activityKey) || "", 10);
    return last > 0 && Date.now() - last > cfg.inactivityMs;
  }

  // CURP-shaped values, folios, e-mails, E.164 numbers; in what the person typed, any run of 6+
  // digits too (a phone, an NSS, the one-time code of a status check or an erasure). The bot's
  // own texts keep public numbers such as 911.
  var PERSONAL_RE =
    /[A-Za-zÑñ]{4}\d{6}[A-Za-z0-9]{0,8}|\bOR-[0-9A-Z]{10}\b|[^\s@]+@[^\s@]+\.[^\s@]+|\+\d{7,}/;
  // What a person types: a folio in any case, with or without its dash; any run of 6+ digits.
  var TYPED_RE = /\bor-?[0-9a-z]{10}\b|\d(?:[\s().-]*\d){5,}/i;
  var NOT_STORED = "[Mensaje con datos personales: no se guarda en este dispositivo]";
  function forStorage(entry) {
    var personal =
      PERSONAL_RE.test(entry.text) || (entry.from === "user" && TYPED_RE.test(entry.text));
    if (!personal) return entry;
    var kept = { from: entry.from, text: NOT_STORED };
    if (entry.nombre) kept.nombre = entry.nombre;
    return kept;
  }

  function loadTranscript() {
    try {
      var items = JSON.parse(storageGet("localStorage", transcriptKey) || "[]");
      return Array.isArray(items) ? items.filter(validEntry) : [];
    } catch (e) {
      return [];
    }
  }
  function validEntry(m) {
    return (
      m &&
      (m.from === "bot" || m.from === "user" || m.from === "promotor") &&
      typeof m.text === "string"
    );
  }
  function saveTranscript() {
    var stored = transcript.slice(-MAX_STORED).map(forStorage);
    storageSet("localStorage", transcriptKey, JSON.stringify(stored));
  }

  // ------------------------------------------------------------------ DOM helpers
  function el(tag, className, attrs) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        node.setAttribute(k, attrs[k]);
      });
    }
    return node;
  }

  // http(s)://… or www.…; trailing punctuation stays outside the link.
  var URL_RE = /(?:https?:\/\/|www\.)[^\s<>"'`]+/gi;
  var TRAILING_RE = /[.,;:!?¡¿)\]}»”'"]+$/;

  function safeHref(raw) {
    var candidate = /^www\./i.test(raw) ? "https://" + raw : raw;
    try {
      var url = new URL(candidate);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  /** Append `text` to `parent` as text nodes, <br>s and <a>s: never parsed as HTML. */
  function appendRichText(parent, text) {
    var lines = String(text).split(/\r?\n/);
    lines.forEach(function (line, i) {
      if (i > 0) parent.appendChild(document.createElement("br"));
      var last = 0;
      line.replace(URL_RE, function (match, offset) {
        var trail = (match.match(TRAILING_RE) || [""])[0];
        var linkText = match.slice(0, match.length - trail.length);
        var href = linkText ? safeHref(linkText) : null;
        if (!href) return match;
        if (offset > last) parent.appendChild(document.createTextNode(line.slice(last, offset)));
        var a = el("a", "oc-link", { href: href, target: "_blank", rel: "noopener noreferrer" });
        a.textContent = linkText;
        var hint = el("span", "oc-sr");
        hint.textContent = " (se abre en otra pestaña)";
        a.appendChild(hint);
        parent.appendChild(a);
        last = offset + linkText.length;
        return match;
      });
      if (last < line.length) parent.appendChild(document.createTextNode(line.slice(last)));
    });
  }

  // ------------------------------------------------------------------ widget DOM
  // lang: screen readers read the widget in Spanish whatever the host page's language.
  var root = el("div", "oc-root", { lang: "es" });
  var launcher = el("button", "oc-launcher", {
    type: "button",
    "aria-expanded": "false",
    "aria-controls": "oc-panel",
  });
  launcher.textContent = "Pregúntale a " + cfg.title;

  var panel = el("section", "oc-panel", {
    id: "oc-panel",
    role: "dialog",
    "aria-modal": "false",
    "aria-labelledby": "oc-title",
    "aria-describedby": "oc-disclaimer",
  });
  panel.hidden = true;

  var header = el("header", "oc-header");
  var headings = el("div", "oc-headings");
  var title = el("h2", "oc-title", { id: "oc-title" });
  title.textContent = cfg.title + " · Ventanilla de Salud";
  var disclaimer = el("p", "oc-disclaimer", { id: "oc-disclaimer" });
  var DISCLAIMER_BOT = "Asistente automático, no es una persona";
  var DISCLAIMER_PROMOTORA = "Te atiende una persona promotora del consulado";
  disclaimer.textContent = DISCLAIMER_BOT;
  headings.appendChild(title);
  headings.appendChild(disclaimer);
  var closeBtn = el("button", "oc-close", { type: "button", "aria-label": "Cerrar el chat" });
  closeBtn.textContent = "×";
  var endBtn = el("button", "oc-end", {
    type: "button",
    "aria-label": "Terminar y borrar conversación",
    title: "Borra esta conversación de este dispositivo y empieza una nueva",
  });
  endBtn.textContent = "Terminar y borrar";
  header.appendChild(headings);
  header.appendChild(endBtn);
  header.appendChild(closeBtn);

  var status = el("p", "oc-status", { role: "status" });
  status.textContent = "Conectando…";

  var log = el("div", "oc-log", {
    role: "log",
    "aria-live": "polite",
    "aria-relevant": "additions",
    "aria-label": "Conversación con " + cfg.title,
    tabindex: "0",
  });
  var empty = el("p", "oc-empty");
  empty.textContent =
    "Hola. Escribe tu pregunta sobre el IMSS para personas trabajadoras independientes, " +
    "o saluda para ver los temas.";

  var typing = el("p", "oc-typing", { "aria-hidden": "true" });
  typing.textContent = cfg.title + " está escribiendo…";
  typing.hidden = true;

  // No answer in time: a notice with a retry, read out by screen readers (role="alert").
  var retryBox = el("div", "oc-retry", { role: "alert" });
  var retryText = el("span", "oc-retry__text");
  retryText.textContent = "No recibí respuesta. Revisa tu conexión e inténtalo de nuevo.";
  var retryBtn = el("button", "oc-retry__btn", { type: "button" });
  retryBtn.textContent = "Reintentar";
  retryBox.appendChild(retryText);
  retryBox.appendChild(retryBtn);
  retryBox.hidden = true;

  var form = el("form", "oc-form", { novalidate: "" });
  var label = el("label", "oc-sr", { for: "oc-input" });
  label.textContent = "Escribe tu mensaje";
  var input = el("input", "oc-input", {
    id: "oc-input",
    type: "text",
    autocomplete: "off",
    maxlength: String(MAX_LEN),
    placeholder: "Escribe tu mensaje…",
    enterkeyhint: "send",
  });
  var sendBtn = el("button", "oc-send", { type: "submit" });
  sendBtn.textContent = "Enviar";
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(sendBtn);

  panel.appendChild(header);
  panel.appendChild(status);
  panel.appendChild(log);
  panel.appendChild(typing);
  panel.appendChild(retryBox);
  panel.appendChild(form);
  root.appendChild(panel);
  root.appendChild(launcher);

  // ------------------------------------------------------------------ rendering
  var transcript = loadTranscript();

  function renderMessage(entry) {
    var item = el("div", "oc-msg oc-msg--" + entry.from);
    var who = el("span", "oc-sr");
    if (entry.from === "promotor") {
      // A person, not the bot: name and role above the bubble, visible to everyone.
      who = el("span", "oc-author");
      var name = el("strong", "oc-author__name");
      name.textContent = entry.nombre || "Promotora";
      var role = el("span", "oc-author__role");
      role.textContent = " · " + ROL_PROMOTOR;
      who.appendChild(name);
      who.appendChild(role);
      var said = el("span", "oc-sr");
      said.textContent = " dice: ";
      who.appendChild(said);
    } else {
      who.textContent = entry.from === "bot" ? cfg.title + " dice: " : "Tú: ";
    }
    item.appendChild(who);
    var body = el("div", "oc-bubble");
    appendRichText(body, entry.text);
    item.appendChild(body);
    if (entry.buttons && entry.buttons.length) {
      var group = el("div", "oc-buttons", { role: "group", "aria-label": "Opciones" });
      entry.buttons.forEach(function (b) {
        if (!b || typeof b.title !== "string" || typeof b.payload !== "string") return;
        var btn = el("button", "oc-option", { type: "button" });
        btn.textContent = b.title;
        btn.setAttribute("data-payload", b.payload);
        btn.addEventListener("click", function () {
          send(b.payload, b.title);
          input.focus(); // the buttons are gone with the answer: the next step is typing
        });
        group.appendChild(btn);
      });
      item.appendChild(group);
    }
    return item;
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  // The first message of the current answer: a long answer is shown from its start.
  var answerStart = null;
  function scrollToAnswer() {
    if (!answerStart || !answerStart.parentNode) return scrollToEnd();
    var start = answerStart.offsetTop - 8;
    if (log.scrollHeight - start > log.clientHeight) log.scrollTop = start;
    else scrollToEnd();
  }

  /** Only the bot messages after the user's last message keep their option buttons. */
  function dropOldButtons() {
    var groups = log.querySelectorAll(".oc-buttons");
    Array.prototype.forEach.call(groups, function (g) {
      g.parentNode.removeChild(g);
    });
  }

  function renderAll() {
    while (log.firstChild) log.removeChild(log.firstChild);
    if (!transcript.length) log.appendChild(empty);
    var lastUser = -1;
    transcript.forEach(function (m, i) {
      if (m.from === "user") lastUser = i;
    });
    transcript.forEach(function (m, i) {
      var shown = i > lastUser ? m : { from: m.from, text: m.text };
      log.appendChild(renderMessage(shown));
    });
    scrollToEnd();
  }

  function add(entry) {
    if (empty.parentNode) empty.parentNode.removeChild(empty);
    if (entry.from === "user") dropOldButtons();
    transcript.push(entry);
    saveTranscript();
    var item = renderMessage(entry);
    log.appendChild(item);
    if (entry.from === "user") {
      answerStart = null;
      scrollToEnd();
      return;
    }
    if (!answerStart) answerStart = item;
    scrollToAnswer();
  }

  // ------------------------------------------------------------------ connection
  var socket = null;
  var ready = false; // true between session_confirm and disconnect
  var outbox = [];
  var typingTimer = null;
  var notice = null; // shown after a conversation was erased, until the next message
  var withPromoter = storageGet("sessionStorage", cfg.storagePrefix + ":promotora") === "1";
  if (withPromoter) disclaimer.textContent = DISCLAIMER_PROMOTORA;
  var lastSent = null; // {message, id}: what "Reintentar" sends again

  function setWithPromoter(on) {
    withPromoter = on;
    storageSet("sessionStorage", cfg.storagePrefix + ":promotora", on ? "1" : "0");
    // The header never says "not a person" while a person answers.
    disclaimer.textContent = on ? DISCLAIMER_PROMOTORA : DISCLAIMER_BOT;
  }

  function setStatus(text, kind) {
    status.textContent = text;
    status.className = "oc-status" + (kind ? " oc-status--" + kind : "");
    status.hidden = !text;
    root.classList.toggle("oc-offline", kind === "error");
  }

  function showTyping(on) {
    // With a promoter nobody answers at once: no "escribiendo…" and no retry for her.
    typing.hidden = !on || withPromoter;
    clearTimeout(typingTimer);
    if (on) retryBox.hidden = true;
    if (on && !withPromoter) {
      typingTimer = setTimeout(function () {
        typing.hidden = true;
        retryBox.hidden = false;
      }, TYPING_TIMEOUT_MS);
    }
  }

  function emitMessage(pending) {
    // id_mensaje: a re-sent message (retry, reconnection) is counted once by the server.
    socket.emit("user_uttered", {
      message: pending.message,
      session_id: sessionId,
      id_mensaje: pending.id,
    });
  }

  retryBtn.addEventListener("click", function () {
    retryBox.hidden = true;
    if (!lastSent) return;
    touch();
    showTyping(true);
    if (ready) emitMessage(lastSent);
    else if (outbox.indexOf(lastSent) < 0) outbox.push(lastSent);
    input.focus();
  });

  function send(message, shownAs) {
    message = String(message || "").trim().slice(0, MAX_LEN);
    if (!message) return;
    if (expired()) endConversation(false);
    touch();
    if (notice) {
      notice = null;
      if (ready) setStatus("", null);
    }
    add({ from: "user", text: shownAs || message });
    lastSent = { message: message, id: newSessionId() };
    showTyping(true);
    if (ready) emitMessage(lastSent);
    else outbox.push(lastSent);
  }

  /** Erase this conversation from the browser and start a new one (new session id). */
  function endConversation(byInactivity) {
    var hadMessages = transcript.length > 0;
    if (socket && ready && hadMessages) {
      // Rasa forgets the old conversation's answers (slots) too.
      socket.emit("user_uttered", { message: "/restart", session_id: sessionId });
    }
    storageRemove("localStorage", transcriptKey);
    storageRemove("localStorage", activityKey);
    sessionId = newSessionId();
    storageSet("localStorage", sessionKey, sessionId);
    transcriptKey = cfg.storagePrefix + ":transcript:" + sessionId;
    transcript = [];
    outbox = [];
    lastSent = null;
    setWithPromoter(false);
    showTyping(false);
    retryBox.hidden = true;
    renderAll();
    if (socket) {
      // A new socket: the old one's room (and any late answer to it) is left behind.
      var old = socket;
      socket = null;
      ready = false;
      old.disconnect();
      if (!panel.hidden) connect();
    }
    if (hadMessages) {
      notice = byInactivity
        ? "Cerramos la conversación por inactividad para proteger tus datos."
        : "Conversación borrada de este dispositivo. Puedes empezar una nueva.";
      setStatus(notice, "info");
    }
  }

  function onBotUttered(data) {
    if (!data || typeof data !== "object") return;
    touch();
    var meta = data.metadata && typeof data.metadata === "object" ? data.metadata : {};
    if (meta.canalizacion === "con_promotora" || meta.autor === "promotor") setWithPromoter(true);
    // "menú", or a plain bot answer (the promoter closed the case): the bot answers again.
    if (meta.canalizacion === "con_asistente" || (!meta.autor && !meta.canalizacion)) {
      setWithPromoter(false);
    }
    showTyping(false);
    retryBox.hidden = true;
    var text = typeof data.text === "string" ? data.text : "";
    if (meta.autor === "promotor") {
      if (!text) return;
      var nombre = typeof meta.nombre === "string" ? meta.nombre.slice(0, 60) : "";
      add({ from: "promotor", text: text, nombre: nombre });
      return;
    }
    var raw = data.quick_replies || data.buttons || [];
    var buttons = (Array.isArray(raw) ? raw : [])
      .filter(function (b) {
        return b && typeof b.title === "string" && typeof b.payload === "string";
      })
      .map(function (b) {
        return { title: b.title, payload: b.payload };
      });
    if (!text && !buttons.length) return; // attachments and custom payloads are not shown
    add({ from: "bot", text: text, buttons: buttons });
  }

  function connect() {
    if (socket || typeof window.io !== "function") return;
    if (!cfg.rasaUrl) {
      setStatus("El chat no está configurado (falta data-rasa-url).", "error");
      return;
    }
    socket = window.io(cfg.rasaUrl, {
      path: cfg.socketPath,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 10000,
    });
    socket.on("connect", function () {
      setStatus("Conectando…", "info");
      socket.emit("session_request", { session_id: sessionId });
    });
    socket.on("session_confirm", function () {
      ready = true;
      setStatus(notice || "", notice ? "info" : null); // a "conversation erased" notice stays
      var pending = outbox;
      outbox = [];
      pending.forEach(emitMessage);
    });
    socket.on("bot_uttered", onBotUttered);
    socket.on("disconnect", function () {
      ready = false;
      setStatus("Sin conexión con el asistente. Reintentando…", "error");
    });
    socket.on("connect_error", function () {
      ready = false;
      setStatus("No se pudo conectar con el asistente. Reintentando…", "error");
    });
  }

  function loadSocketIo() {
    if (typeof window.io === "function") return connect();
    var s = document.createElement("script");
    s.src = base + "vendor/socket.io.min.js";
    s.async = true;
    s.onload = connect;
    s.onerror = function () {
      setStatus("No se pudo cargar el chat. Recarga la página o intenta más tarde.", "error");
    };
    document.head.appendChild(s);
  }

  // ------------------------------------------------------------------ open / close
  function setOpen(open, focus) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    root.classList.toggle("oc-open", open);
    storageSet("sessionStorage", openKey, open ? "1" : "0");
    if (open) {
      loadSocketIo();
      scrollToEnd();
      if (focus) input.focus();
    } else if (focus) {
      launcher.focus();
    }
  }

  launcher.addEventListener("click", function () {
    setOpen(panel.hidden, true);
  });
  closeBtn.addEventListener("click", function () {
    setOpen(false, true);
  });
  endBtn.addEventListener("click", function () {
    endConversation(false);
    input.focus();
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") setOpen(false, true);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    input.value = "";
    send(text);
    input.focus();
  });

  function start() {
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = base + "orienta-chat.css";
    // Stay invisible until styled (no flash of an unstyled widget); show anyway if CSS fails.
    root.hidden = true;
    css.onload = css.onerror = function () {
      root.hidden = false;
      scrollToEnd(); // the log had no height while hidden
    };
    document.head.appendChild(css);
    document.body.appendChild(root);
    if (expired()) endConversation(true); // the last person left it open: start clean
    renderAll();
    setInterval(function () {
      if (transcript.length && expired()) endConversation(true);
    }, 15000);
    setOpen(storageGet("sessionStorage", openKey) === "1", false);
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
