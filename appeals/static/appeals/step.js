/* The step forms: the extension's shortcuts (+1, +3, +5 working days, computed on the server with
   the holidays calendar) fill the date and the time of the new deadline. */
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".gf-shortcut").forEach((button) => {
    button.addEventListener("click", () => {
      const row = button.closest(".form-row");
      const date = row.querySelector("input[name$='_0']");
      const time = row.querySelector("input[name$='_1']");
      if (date) date.value = button.dataset.date;
      if (time) time.value = button.dataset.time;
      row.querySelectorAll(".gf-shortcut").forEach((other) => other.classList.toggle("gf-chosen", other === button));
    });
  });
});
