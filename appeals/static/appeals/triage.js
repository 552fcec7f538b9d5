/* Triage: the routing rules' opinion beside the topic and the ministry, kept up to date as they
   change (the triage page's radio buttons, the appeal page's select and autocomplete). On the triage
   page a topic chosen before any ministry also picks the ministry its rule names, and the routing
   model's suggestions fill the ministry (and the official) in one click. */
"use strict";
(function () {
  function start() {
    const data = document.getElementById("gf-routing-rules");
    const warning = document.querySelector(".gf-disagreement");
    if (!data || !warning) return;
    const rules = JSON.parse(data.textContent);
    const form = warning.closest("form") || document.querySelector("form#appeal_form");
    if (!form) return;
    const field = (name) => form.elements[name];
    const value = (name) => (field(name) ? field(name).value : "");
    let ministryTouched = false;

    function markRule() {
      const rule = rules[value("topic")];
      form.querySelectorAll('.gf-choices[data-field="ministry"] .gf-choice').forEach((label) => {
        const mark = label.querySelector(".gf-mark");
        const isRule = rule && String(rule.ministry) === label.dataset.value;
        label.classList.toggle("gf-by-rule", Boolean(isRule));
        if (mark) mark.textContent = isRule ? warning.dataset.ruleMark : "";
      });
    }

    function check() {
      const rule = rules[value("topic")];
      const ministry = value("ministry");
      const disagrees = Boolean(rule && ministry && String(rule.ministry) !== ministry);
      warning.textContent = disagrees ? rule.text : "";
      warning.hidden = !disagrees;
      markRule();
    }

    function chooseMinistry(id) {
      const input = form.querySelector(`input[name="ministry"][value="${id}"]`);
      if (input) input.checked = true;
    }

    function onChange(event) {
      const name = event.target.name;
      if (name === "ministry") ministryTouched = true;
      if (name === "topic" && !ministryTouched) {
        const rule = rules[value("topic")];
        if (rule) chooseMinistry(rule.ministry);
      }
      check();
    }

    const $ = window.django && window.django.jQuery;
    if ($) $(form).on("change", onChange);
    else form.addEventListener("change", onChange);

    form.querySelectorAll(".gf-route").forEach((button) => {
      button.addEventListener("click", () => {
        chooseMinistry(button.dataset.ministry);
        ministryTouched = true;
        const official = field("assignee");
        if (official && button.dataset.official) {
          if (official.tagName === "SELECT") {
            if (!official.querySelector(`option[value="${button.dataset.official}"]`)) {
              official.append(new Option(button.dataset.officialName, button.dataset.official));
            }
            official.value = button.dataset.official;
            if ($) $(official).trigger("change");
          } else {
            const radio = form.querySelector(`input[name="assignee"][value="${button.dataset.official}"]`);
            if (radio) radio.checked = true;
          }
        }
        check();
      });
    });
    check();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
