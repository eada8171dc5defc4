// Shared form behaviour: messages announced to screen readers, errors next to their fields.

/** Show `text` in a message element (`role="alert"` or `role="status"` in the page). */
export function say(element, text, kind = "error") {
  element.className = `message ${kind}`;
  element.textContent = text;
}

function describedBy(input, id, add) {
  const ids = new Set((input.getAttribute("aria-describedby") ?? "").split(/\s+/).filter(Boolean));
  add ? ids.add(id) : ids.delete(id);
  if (ids.size) input.setAttribute("aria-describedby", [...ids].join(" "));
  else input.removeAttribute("aria-describedby");
}

export function fieldError(input, text) {
  const id = `${input.id}-error`;
  let note = document.getElementById(id);
  if (!note) {
    note = document.createElement("p");
    note.id = id;
    note.className = "field-error";
    input.insertAdjacentElement("afterend", note);
  }
  note.textContent = text;
  input.setAttribute("aria-invalid", "true");
  describedBy(input, id, true);
}

export function clearErrors(form) {
  for (const input of form.querySelectorAll("[aria-invalid]")) {
    input.removeAttribute("aria-invalid");
    describedBy(input, `${input.id}-error`, false);
    document.getElementById(`${input.id}-error`)?.remove();
  }
}

/** Run `work` once at a time per form (the button stays focusable, unlike a disabled one). */
export async function busy(form, work) {
  if (form.getAttribute("aria-busy") === "true") return;
  form.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    form.removeAttribute("aria-busy");
  }
}

export const TRY_LATER = "Something went wrong on our side. Please try again in a few minutes.";
