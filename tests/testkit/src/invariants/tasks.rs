//! Tasks: a note of kind `task` has a due day (`YYYY-MM-DD`), an assignee and `done`, and no
//! other note has any of them. An open task carries its assignee's keys of the due index
//! (`GSI1PK = TENANT#{t}#TASKS#{assignee}`, `GSI1SK = {due}#{note id}#{contact id}`); a done
//! task, any other note and every other history entry carry none.

use super::shapes::{keys, Table};
use super::{s, Found, Item, Rule};

const TASK_FIELDS: [&str; 3] = ["due", "assignee", "done"];

pub(crate) fn check(t: &Table, found: &mut Found) {
    for a in &t.activities {
        if let Err(what) = entry(a.tenant, a.contact, a.item) {
            found.add(Rule::TaskIndex, format!("{}: {what}", keys(a.item)));
        }
    }
}

fn entry(tenant: &str, contact: &str, item: &Item) -> Result<(), String> {
    let is_task = s(item, "kind") == Some("note") && s(item, "note_kind") == Some("task");
    let index = (s(item, "GSI1PK"), s(item, "GSI1SK"));
    if !is_task {
        return match TASK_FIELDS.iter().find(|f| item.contains_key(**f)) {
            Some(field) => Err(format!("it is not a task, yet holds {field}")),
            None if index != (None, None) => Err("it is not a task, yet carries due-index keys".into()),
            None => Ok(()),
        };
    }
    let due = s(item, "due").filter(|d| is_day(d)).ok_or("a task without a due day as YYYY-MM-DD")?;
    let assignee = s(item, "assignee").filter(|a| !a.is_empty()).ok_or("a task without an assignee")?;
    let done = item.get("done").and_then(|d| d.as_bool().ok()).ok_or("a task without done")?;
    let note = s(item, "note_id").unwrap_or_default();
    let expected =
        (!done).then(|| (format!("TENANT#{tenant}#TASKS#{assignee}"), format!("{due}#{note}#{contact}")));
    match (expected, index) {
        (None, (None, None)) => Ok(()),
        (None, _) => Err("a done task still carries due-index keys".into()),
        (Some((pk, sk)), (Some(has_pk), Some(has_sk))) if has_pk == pk && has_sk == sk => Ok(()),
        (Some((pk, sk)), found) => {
            Err(format!("an open task's due-index keys are {found:?}, not ({pk}, {sk})"))
        }
    }
}

fn is_day(raw: &str) -> bool {
    raw.len() == 10
        && raw.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() })
}
