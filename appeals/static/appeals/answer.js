/* The answer forms (reply, resolve, approve): the chosen template's text (rendered on the server
   for this appeal) goes into the answer; the date of the works fills {дата_работ}; a counter of the
   characters against the platform's limit, the placeholders still unfilled, and a preview of what
   the citizen will see. The server checks all of it again before anything is queued. */
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const text = document.querySelector("textarea.gf-answer-text");
  if (!text) return;
  const limit = parseInt(text.dataset.limit || "0", 10);
  // As the platform counts the text (appeals/answers.py measure): UTF-16 code units, which is how
  // JavaScript's strings count (an emoji is two), or characters (code points).
  const measure = text.dataset.unit === "utf16" ? (value) => value.length : (value) => [...value].length;
  const counter = document.querySelector(".gf-counter");
  const unfilled = document.querySelector(".gf-unfilled");
  const preview = document.querySelector(".gf-preview-text");
  const picker = document.querySelector("select[name=template]");
  const works = document.querySelector("input[name=works_date]");
  const textsNode = document.getElementById("gf-template-texts");
  const texts = textsNode ? JSON.parse(textsNode.textContent) : {};
  const placeholder = /\{[^{}\s]{1,40}\}/g;

  const rendered = () => {
    const date = works ? works.value.trim() : "";
    return date ? text.value.split("{дата_работ}").join(date) : text.value;
  };
  const update = () => {
    const value = rendered();
    const length = measure(value.trim());
    if (counter) {
      counter.textContent = limit ? `${length} / ${limit}` : `${length}`;
      counter.classList.toggle("gf-over", Boolean(limit) && length > limit);
    }
    if (unfilled) {
      const left = [...new Set(value.match(placeholder) || [])];
      unfilled.textContent = left.length ? `${unfilled.dataset.label} ${left.join(", ")}` : "";
    }
    if (preview) preview.textContent = value.trim();
  };
  if (picker) {
    picker.addEventListener("change", () => {
      if (Object.prototype.hasOwnProperty.call(texts, picker.value)) {
        text.value = texts[picker.value];
        update();
      }
    });
  }
  if (works) {
    works.addEventListener("input", update);
    works.addEventListener("change", update);
    // The admin's calendar sets the value without an input event.
    document.addEventListener("click", () => setTimeout(update, 0));
  }
  document.querySelectorAll(".gf-use-suggestion").forEach((button) => {
    button.addEventListener("click", () => {
      text.value = button.dataset.text;
      update();
      text.focus();
    });
  });
  text.addEventListener("input", update);
  update();
  text.dataset.ready = "1"; // the page's script has run (the browser tests wait for it)
  // Sent once: a second click (or Enter) while the page posts would queue the same answer twice
  // (the server refuses it too). The buttons are disabled just after this submission has taken the
  // clicked one's name (e.g. «_draft»): a disabled button is not sent.
  const form = text.form;
  if (form) {
    form.addEventListener("submit", (event) => {
      if (form.dataset.sent) {
        event.preventDefault();
        return;
      }
      form.dataset.sent = "1";
      setTimeout(() => form.querySelectorAll("[type=submit]").forEach((button) => { button.disabled = true; }), 0);
    });
    // Back to the page from the browser's history: it may be sent again.
    window.addEventListener("pageshow", () => {
      delete form.dataset.sent;
      form.querySelectorAll("[type=submit]").forEach((button) => { button.disabled = false; });
    });
  }
});
