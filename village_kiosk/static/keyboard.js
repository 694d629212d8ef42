/* The kiosk's on-screen keyboard (issue 19.7): every text field can be filled with taps alone.
   simple-keyboard (vendored, MIT) draws the keys; Chinese is typed by pinyin and a tap on a candidate
   character (its Chinese layout's candidate lists). Each field says which keys it needs in
   data-keyboard: id (digits and X), digits, money, code (a tracking code), text (pinyin, or ABC).
   The keys are not in the tab order and are hidden from screen readers: a person with a physical
   keyboard or a screen reader uses the field itself. */
import chinese from "./vendor/simple-keyboard-layouts/chinese.js";

const root = document.getElementById("k-keyboard");
const Lib = window.SimpleKeyboard;
if (root && Lib) {
  const Keyboard = Lib.default || Lib.SimpleKeyboard || Lib;
  const labels = JSON.parse(root.dataset.labels || "{}");
  const LETTERS = ["q w e r t y u i o p", "a s d f g h j k l", "z x c v b n m {bksp}"];
  const LAYOUTS = {
    id: ["1 2 3", "4 5 6", "7 8 9", "X 0 {bksp}", "{clear} {done}"],
    digits: ["1 2 3", "4 5 6", "7 8 9", "{clear} 0 {bksp}", "{done}"],
    money: ["1 2 3", "4 5 6", "7 8 9", ". 0 {bksp}", "{clear} {done}"],
    code: ["1 2 3 4 5 6 7 8 9 0", "Q W E R T Y U I O P", "A S D F G H J K L -", "Z X C V B N M {bksp}", "{clear} {done}"],
    pinyin: ["1 2 3 4 5 6 7 8 9 0"].concat(LETTERS, ["{abc} ， 。 {space} {clear} {done}"]),
    abc: ["1 2 3 4 5 6 7 8 9 0"].concat(LETTERS, ["{pinyin} {shift} , . {space} {clear} {done}"]),
    ABC: ["1 2 3 4 5 6 7 8 9 0", "Q W E R T Y U I O P", "A S D F G H J K L", "Z X C V B N M {bksp}",
          "{pinyin} {shift} , . {space} {clear} {done}"],
  };
  const display = {
    "{bksp}": "⌫ " + (labels.bksp || "删除"), "{clear}": labels.clear || "清空", "{done}": "✔ " + (labels.done || "完成"),
    "{space}": labels.space || "空格", "{abc}": labels.abc || "ABC", "{pinyin}": labels.pinyin || "拼音",
    "{shift}": "⇧ " + (labels.shift || "大写"),
  };
  let field = null;
  let kind = "pinyin";

  function layoutFor(el) {
    const asked = el.dataset.keyboard;
    if (asked === "text") { return root.dataset.lang === "en" ? "abc" : "pinyin"; }
    if (LAYOUTS[asked]) { return asked; }
    return el.inputMode === "numeric" ? "digits" : (el.inputMode === "decimal" ? "money" : "pinyin");
  }

  function changed(input) {
    if (!field) { return; }
    const max = field.maxLength > 0 ? field.maxLength : Infinity;
    field.value = input.slice(0, max);
    if (field.value !== input) { keyboard.setInput(field.value); }
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  const keyboard = new Keyboard(root.querySelector(".simple-keyboard"), {
    layout: { default: LAYOUTS.pinyin },
    display: display,
    layoutCandidates: chinese.layoutCandidates,
    enableLayoutCandidates: true,
    layoutCandidatesPageSize: 6,
    preventMouseDownDefault: true,   // a tap on a key must not take the focus (and the caret) off the field
    onChange: changed,
    onKeyPress: pressed,
  });

  function use(name) {
    kind = name;
    keyboard.setOptions({ layout: { default: LAYOUTS[name] }, enableLayoutCandidates: name === "pinyin" });
    root.dataset.layout = name;
  }

  function open(el) {
    field = el;
    use(layoutFor(el));
    keyboard.setInput(el.value);
    keyboard.setCaretPosition(el.value.length);
    root.hidden = false;
    document.body.classList.add("k-keyboard-open");
    // Keep the field above the keys, but only once the tap that focused it is over: content that moves
    // between press and release loses the tap's click.
    const above = function () { el.scrollIntoView({ block: "center" }); };
    if (downOn) { document.addEventListener("click", above, { once: true }); } else { above(); }
  }

  function close() {
    root.hidden = true;
    document.body.classList.remove("k-keyboard-open");
    field = null;
  }

  function pressed(button) {
    if (button === "{done}") { const was = field; close(); if (was) { was.blur(); } return; }
    if (button === "{clear}") { keyboard.clearInput(); changed(""); return; }
    if (button === "{abc}") { use("abc"); return; }
    if (button === "{pinyin}") { use("pinyin"); return; }
    if (button === "{shift}") { use(kind === "ABC" ? "abc" : "ABC"); }
  }

  const TEXT = "input[type=text], input[type=search], input[type=tel], input:not([type]), textarea";
  function typable(el) {
    return el && el.matches && el.matches(TEXT) && !el.readOnly && !el.disabled && !el.closest("[data-no-keyboard]");
  }
  document.addEventListener("focusin", function (e) {
    if (typable(e.target) && e.target !== field) { open(e.target); }
  });
  // Closed by a tap elsewhere once that tap is done (its click), never on the press: closing shifts
  // the page, and a button that moves between press and release would not get its click. Where the
  // tap began decides (a click's own target can be an ancestor once things moved).
  let downOn = null;
  document.addEventListener("pointerdown", function (e) { downOn = e.target; }, true);
  document.addEventListener("click", function (e) {
    const began = downOn || e.target;
    downOn = null;
    // A candidate is gone from the page by the time its click arrives: that tap was on the keyboard.
    if (field && began.isConnected && !root.contains(began) && !typable(began)) { close(); }
  });
  // A physical keyboard may type too: the on-screen one follows what the field holds.
  document.addEventListener("input", function (e) {
    if (e.target === field && e.isTrusted) { keyboard.setInput(field.value); }
  });
  document.addEventListener("submit", close);
  window.sanjiKeyboard = { open: open, close: close, keyboard: keyboard };
}
