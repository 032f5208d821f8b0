//! Routing filters: conditions on an event's `data`, all of which must hold
//! for the routing to produce a delivery ("only step train*", "only when the
//! duration is over 600 s"). Pure: the server applies them at ingestion, the
//! UI shows them in words.

use super::validation::FieldErrors;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Most conditions one routing may carry.
pub const CONDITIONS_MAX: usize = 10;
pub const KEY_MAX: usize = 128;
pub const VALUE_MAX: usize = 256;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    /// The value, as text, is exactly this (numbers compare as numbers).
    Eq,
    /// The value is anything else, or missing.
    Ne,
    /// The value, as text, matches a glob: `*`, `?`, `[a-z]`, `[!x]`, `\*`.
    Glob,
    /// The value is a number greater than this.
    Gt,
    /// The value is a number less than this.
    Lt,
}

impl Op {
    pub const ALL: [Op; 5] = [Op::Eq, Op::Ne, Op::Glob, Op::Gt, Op::Lt];

    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Ne => "ne",
            Op::Glob => "glob",
            Op::Gt => "gt",
            Op::Lt => "lt",
        }
    }

    pub fn parse(s: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.as_str() == s)
    }

    /// The words the operator picker shows.
    pub fn label(self) -> &'static str {
        match self {
            Op::Eq => "equals",
            Op::Ne => "does not equal",
            Op::Glob => "matches (glob)",
            Op::Gt => "is greater than",
            Op::Lt => "is less than",
        }
    }

    /// The words in a sentence: "step matches train*", "duration > 600".
    fn phrase(self) -> &'static str {
        match self {
            Op::Eq => "is",
            Op::Ne => "is not",
            Op::Glob => "matches",
            Op::Gt => ">",
            Op::Lt => "<",
        }
    }
}

/// One condition: `data[key] <op> value`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub key: String,
    pub op: Op,
    pub value: String,
}

/// A condition as the form posts it: `filters[i][key|op|value]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConditionInput {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub op: String,
    #[serde(default)]
    pub value: String,
}

impl From<&Condition> for ConditionInput {
    fn from(c: &Condition) -> Self {
        ConditionInput {
            key: c.key.clone(),
            op: c.op.as_str().to_string(),
            value: c.value.clone(),
        }
    }
}

/// Checks every row; blank rows (no key, no value) are skipped. Errors are
/// keyed `filters[i][key|op|value]`, or `filters` for the whole list.
pub fn validate(rows: &[ConditionInput]) -> Result<Vec<Condition>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let filled: Vec<(usize, &ConditionInput)> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !(r.key.trim().is_empty() && r.value.trim().is_empty()))
        .collect();
    if filled.len() > CONDITIONS_MAX {
        errors.add(
            "filters",
            format!(
                "{} conditions are listed; a routing may have at most {CONDITIONS_MAX}.",
                filled.len()
            ),
        );
    }
    let mut conditions = Vec::new();
    for (i, row) in filled {
        let key = errors.check(&format!("filters[{i}][key]"), key(&row.key));
        let op = match Op::parse(row.op.trim()) {
            Some(op) => Some(op),
            None => {
                errors.add(
                    format!("filters[{i}][op]"),
                    "Choose how to compare: equals, does not equal, matches, greater than or less than.",
                );
                None
            }
        };
        let value =
            op.and_then(|op| errors.check(&format!("filters[{i}][value]"), value(op, &row.value)));
        if let (Some(key), Some(op), Some(value)) = (key, op, value) {
            conditions.push(Condition { key, op, value });
        }
    }
    errors.into_result()?;
    Ok(conditions)
}

/// A data key: printable ASCII without spaces, like `valohai.execution-step`.
pub fn key(input: &str) -> Result<String, String> {
    let key = input.trim();
    if key.is_empty() {
        return Err("Enter the data field to look at, e.g. valohai.execution-step.".into());
    }
    if key.len() > KEY_MAX {
        return Err(format!(
            "The field name is {} characters long; at most {KEY_MAX} are allowed.",
            key.len()
        ));
    }
    if !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(
            "A field name may contain only printable ASCII without spaces, e.g. valohai.execution-step."
                .into(),
        );
    }
    Ok(key.to_string())
}

/// The value to compare with, checked against what `op` needs.
pub fn value(op: Op, input: &str) -> Result<String, String> {
    let value = input.trim();
    if value.is_empty() {
        return Err("Enter the value to compare with.".into());
    }
    if value.chars().count() > VALUE_MAX {
        return Err(format!(
            "The value is too long; at most {VALUE_MAX} characters are allowed."
        ));
    }
    if value.chars().any(char::is_control) {
        return Err("The value may not contain line breaks or control characters.".into());
    }
    match op {
        Op::Gt | Op::Lt => match value.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(value.to_string()),
            _ => Err(format!(
                "“{value}” is not a number; {} compares numbers, like 600 or 0.95.",
                if op == Op::Gt {
                    "greater than"
                } else {
                    "less than"
                }
            )),
        },
        Op::Glob => Glob::compile(value).map(|_| value.to_string()),
        Op::Eq | Op::Ne => Ok(value.to_string()),
    }
}

impl Condition {
    /// Whether `data` satisfies this condition; if not, why, in words.
    pub fn check(&self, data: &Map<String, Value>) -> Result<(), String> {
        let name = short_key(&self.key);
        let found = data.get(&self.key).filter(|v| !v.is_null());
        let shown = |v: &Value| match v {
            Value::String(s) => format!("“{s}”"),
            other => other.to_string(),
        };
        match self.op {
            Op::Eq => match found {
                None => Err(format!("{name} is missing")),
                Some(v) if equals(v, &self.value) => Ok(()),
                Some(v) => Err(format!("{name} is {}, not {}", shown(v), self.value)),
            },
            Op::Ne => match found {
                Some(v) if equals(v, &self.value) => Err(format!("{name} is {}", self.value)),
                _ => Ok(()),
            },
            Op::Glob => {
                let Some(v) = found else {
                    return Err(format!("{name} is missing"));
                };
                let glob = Glob::compile(&self.value).map_err(|e| format!("bad pattern: {e}"))?;
                match as_text(v) {
                    Some(text) if glob.matches(&text) => Ok(()),
                    Some(_) => Err(format!(
                        "{name} is {}, which does not match {}",
                        shown(v),
                        self.value
                    )),
                    None => Err(format!("{name} is not text")),
                }
            }
            Op::Gt | Op::Lt => {
                let Some(v) = found else {
                    return Err(format!("{name} is missing"));
                };
                let Some(n) = as_number(v) else {
                    return Err(format!("{name} is {}, not a number", shown(v)));
                };
                let limit: f64 = self.value.parse().unwrap_or(f64::NAN);
                let holds = if self.op == Op::Gt {
                    n > limit
                } else {
                    n < limit
                };
                if holds {
                    Ok(())
                } else {
                    Err(format!(
                        "{name} is {}, not {} {}",
                        shown(v),
                        if self.op == Op::Gt { "over" } else { "under" },
                        self.value
                    ))
                }
            }
        }
    }

    /// "step matches train*".
    pub fn words(&self) -> String {
        format!(
            "{} {} {}",
            short_key(&self.key),
            self.op.phrase(),
            self.value
        )
    }
}

/// Checks every condition; the first that fails, with why.
pub fn check_all(conditions: &[Condition], data: &Map<String, Value>) -> Result<(), String> {
    for c in conditions {
        c.check(data)
            .map_err(|why| format!("the condition “{}” does not hold: {why}", c.words()))?;
    }
    Ok(())
}

/// Whether a routing whose stored filters are `stored` (JSON) takes `data`.
/// Unreadable filters let the event through: a delivery too many is better
/// than one lost.
pub fn stored_accepts(stored: &str, data: &Map<String, Value>) -> bool {
    match parse_stored(stored) {
        Some(conditions) => check_all(&conditions, data).is_ok(),
        None => true,
    }
}

/// The conditions stored with a routing, or None if they are unreadable.
pub fn parse_stored(stored: &str) -> Option<Vec<Condition>> {
    if stored.trim().is_empty() {
        return Some(Vec::new());
    }
    serde_json::from_str(stored).ok()
}

/// "only when step matches train* and duration > 600"; empty when none.
pub fn describe(conditions: &[Condition]) -> String {
    if conditions.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = conditions.iter().map(Condition::words).collect();
    format!("only when {}", parts.join(" and "))
}

/// `valohai.execution-step` reads "step", `valohai.creator-name` "creator name".
pub fn short_key(key: &str) -> String {
    let rest = key.strip_prefix("valohai.").unwrap_or(key);
    let rest = [
        "execution-",
        "task-",
        "pipeline-",
        "deployment-",
        "dataset-version-",
        "model-version-",
    ]
    .iter()
    .find_map(|p| rest.strip_prefix(p).filter(|r| !r.is_empty()))
    .unwrap_or(rest);
    rest.replace('-', " ")
}

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|n| n.is_finite())
}

/// Equality as people mean it: numbers by value (600 = 600.0), else text.
fn equals(v: &Value, expected: &str) -> bool {
    if let (Value::Number(_), Ok(want)) = (v, expected.parse::<f64>()) {
        return as_number(v) == Some(want);
    }
    as_text(v).is_some_and(|text| text == expected)
}

/// A compiled glob pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob(Vec<Token>);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Literal(char),
    Any,
    Star,
    Class {
        negated: bool,
        items: Vec<(char, char)>,
    },
}

impl Glob {
    pub fn compile(pattern: &str) -> Result<Glob, String> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '*' => {
                    // Consecutive stars mean the same as one.
                    if tokens.last() != Some(&Token::Star) {
                        tokens.push(Token::Star);
                    }
                }
                '?' => tokens.push(Token::Any),
                '\\' => {
                    i += 1;
                    let Some(&c) = chars.get(i) else {
                        return Err(
                            "the pattern ends with a lone \\ (write \\\\ for a backslash)".into(),
                        );
                    };
                    tokens.push(Token::Literal(c));
                }
                '[' => {
                    let start = i;
                    i += 1;
                    let negated = matches!(chars.get(i), Some('!') | Some('^'));
                    if negated {
                        i += 1;
                    }
                    let mut items = Vec::new();
                    let mut first = true;
                    loop {
                        let Some(&c) = chars.get(i) else {
                            return Err(format!(
                                "the [ at position {} is never closed with ]",
                                start + 1
                            ));
                        };
                        if c == ']' && !first {
                            break;
                        }
                        first = false;
                        let lo = if c == '\\' {
                            i += 1;
                            *chars.get(i).ok_or("the pattern ends inside [ ]")?
                        } else {
                            c
                        };
                        if chars.get(i + 1) == Some(&'-')
                            && chars.get(i + 2).is_some_and(|c| *c != ']')
                        {
                            let hi = chars[i + 2];
                            if hi < lo {
                                return Err(format!("the range {lo}-{hi} runs backwards"));
                            }
                            items.push((lo, hi));
                            i += 3;
                        } else {
                            items.push((lo, lo));
                            i += 1;
                        }
                    }
                    tokens.push(Token::Class { negated, items });
                }
                c => tokens.push(Token::Literal(c)),
            }
            i += 1;
        }
        Ok(Glob(tokens))
    }

    /// Whether the whole of `text` matches.
    pub fn matches(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().collect();
        let tokens = &self.0;
        // Iterative matching with one backtrack point per star: linear-ish, no recursion.
        let (mut t, mut p) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            let step = match tokens.get(p) {
                Some(Token::Star) => {
                    star = Some((p, t));
                    p += 1;
                    continue;
                }
                Some(Token::Any) => true,
                Some(Token::Literal(c)) => *c == text[t],
                Some(Token::Class { negated, items }) => {
                    let inside = items.iter().any(|(lo, hi)| (*lo..=*hi).contains(&text[t]));
                    inside != *negated
                }
                None => false,
            };
            if step {
                t += 1;
                p += 1;
            } else if let Some((sp, st)) = star {
                p = sp + 1;
                t = st + 1;
                star = Some((sp, st + 1));
            } else {
                return false;
            }
        }
        tokens[p..].iter().all(|tok| *tok == Token::Star)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn data() -> Map<String, Value> {
        json!({
            "valohai.execution-step": "train-mnist",
            "valohai.execution-duration": 660.0186,
            "valohai.execution-counter": 736,
            "valohai.execution-status": "complete",
            "valohai.execution-title": null,
            "valohai.flag": true,
            "valohai.duration-text": "75.5",
        })
        .as_object()
        .unwrap()
        .clone()
    }

    fn cond(key: &str, op: Op, value: &str) -> Condition {
        Condition {
            key: key.into(),
            op,
            value: value.into(),
        }
    }

    #[test]
    fn globs() {
        let m = |p: &str, t: &str| Glob::compile(p).unwrap().matches(t);
        assert!(m("train*", "train-mnist"));
        assert!(m("train*", "train"));
        assert!(!m("train*", "Train"));
        assert!(m("*mnist", "train-mnist"));
        assert!(m("*-*", "a-b"));
        assert!(!m("*-*", "ab"));
        assert!(m("t?ain*", "tbain"));
        assert!(m("[tT]rain*", "Train"));
        assert!(m("v[0-9]", "v7"));
        assert!(!m("v[!0-9]", "v7"));
        assert!(m("v[^0-9]", "vx"));
        assert!(m("a\\*b", "a*b"));
        assert!(!m("a\\*b", "axb"));
        assert!(m("[]]", "]"));
        assert!(m("***", ""));
        assert!(m("a*b*c*d", "aXbYYcZZZd"));
        assert!(!m("a*b*c*d", "aXbYYcZZZ"));
        assert!(m("ü*", "über"));
        // Pathological pattern stays fast (no exponential backtracking).
        let text = "a".repeat(2000);
        assert!(!m(&format!("{}b", "*a".repeat(20)), &text));
        for (bad, why) in [
            ("[abc", "never closed"),
            ("abc\\", "lone \\"),
            ("[z-a]", "backwards"),
        ] {
            assert!(Glob::compile(bad).unwrap_err().contains(why), "{bad}");
        }
    }

    #[test]
    fn semantics() {
        let d = data();
        let ok = |c: Condition| c.check(&d).is_ok();
        assert!(ok(cond("valohai.execution-step", Op::Eq, "train-mnist")));
        assert!(!ok(cond("valohai.execution-step", Op::Eq, "train")));
        assert!(ok(cond("valohai.execution-counter", Op::Eq, "736")));
        assert!(ok(cond("valohai.execution-counter", Op::Eq, "736.0")));
        assert!(ok(cond("valohai.flag", Op::Eq, "true")));
        assert!(!ok(cond("valohai.missing", Op::Eq, "x")));
        assert!(!ok(cond("valohai.execution-title", Op::Eq, "null")));
        assert!(ok(cond("valohai.execution-step", Op::Ne, "evaluate")));
        assert!(!ok(cond("valohai.execution-step", Op::Ne, "train-mnist")));
        assert!(ok(cond("valohai.missing", Op::Ne, "x")), "missing is not x");
        assert!(ok(cond("valohai.execution-step", Op::Glob, "train*")));
        assert!(!ok(cond("valohai.execution-step", Op::Glob, "eval*")));
        assert!(ok(cond("valohai.execution-counter", Op::Glob, "7*")));
        assert!(!ok(cond("valohai.missing", Op::Glob, "*")));
        assert!(ok(cond("valohai.execution-duration", Op::Gt, "600")));
        assert!(!ok(cond("valohai.execution-duration", Op::Gt, "660.0186")));
        assert!(ok(cond("valohai.execution-duration", Op::Lt, "661")));
        assert!(
            ok(cond("valohai.duration-text", Op::Lt, "100")),
            "numeric strings compare as numbers"
        );
        assert!(!ok(cond("valohai.execution-step", Op::Gt, "1")));
        assert!(!ok(cond("valohai.missing", Op::Lt, "1")));
    }

    #[test]
    fn reasons_say_what_failed() {
        let d = data();
        let why = cond("valohai.execution-step", Op::Glob, "eval*")
            .check(&d)
            .unwrap_err();
        assert_eq!(why, "step is “train-mnist”, which does not match eval*");
        let why = cond("valohai.execution-duration", Op::Gt, "1000")
            .check(&d)
            .unwrap_err();
        assert_eq!(why, "duration is 660.0186, not over 1000");
        let why = cond("valohai.execution-step", Op::Lt, "5")
            .check(&d)
            .unwrap_err();
        assert_eq!(why, "step is “train-mnist”, not a number");
        let why = cond("valohai.nope", Op::Eq, "x").check(&d).unwrap_err();
        assert_eq!(why, "nope is missing");
        let all = vec![
            cond("valohai.execution-step", Op::Glob, "train*"),
            cond("valohai.execution-duration", Op::Gt, "900"),
        ];
        let why = check_all(&all, &d).unwrap_err();
        assert!(why.contains("“duration > 900”"), "{why}");
        assert!(check_all(&all[..1], &d).is_ok());
        assert!(check_all(&[], &d).is_ok());
    }

    #[test]
    fn words() {
        let all = vec![
            cond("valohai.execution-step", Op::Glob, "train*"),
            cond("valohai.execution-duration", Op::Gt, "600"),
        ];
        assert_eq!(
            describe(&all),
            "only when step matches train* and duration > 600"
        );
        assert_eq!(describe(&[]), "");
        assert_eq!(short_key("valohai.creator-name"), "creator name");
        assert_eq!(short_key("valohai.model-version-status"), "status");
        assert_eq!(short_key("custom.key"), "custom.key");
        assert_eq!(cond("k", Op::Ne, "v").words(), "k is not v");
    }

    fn row(key: &str, op: &str, value: &str) -> ConditionInput {
        ConditionInput {
            key: key.into(),
            op: op.into(),
            value: value.into(),
        }
    }

    #[test]
    fn validation_names_each_field() {
        let ok = validate(&[
            row("", "eq", ""),
            row(" valohai.execution-step ", "glob", " train* "),
            row("valohai.execution-duration", "gt", "600"),
        ])
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].key, "valohai.execution-step");
        assert_eq!(ok[0].value, "train*");

        let errors = validate(&[
            row("valohai.execution-duration", "gt", "ten minutes"),
            row("valohai.execution-step", "glob", "[train"),
            row("", "eq", "x"),
            row("bad key", "eq", "x"),
            row("k", "like", "x"),
            row("k", "eq", ""),
        ])
        .unwrap_err();
        assert!(errors
            .get("filters[0][value]")
            .unwrap()
            .contains("not a number"));
        assert!(errors
            .get("filters[1][value]")
            .unwrap()
            .contains("never closed"));
        assert!(errors
            .get("filters[2][key]")
            .unwrap()
            .contains("Enter the data field"));
        assert!(errors
            .get("filters[3][key]")
            .unwrap()
            .contains("without spaces"));
        assert!(errors.get("filters[4][op]").unwrap().contains("Choose how"));
        assert!(errors
            .get("filters[5][value]")
            .unwrap()
            .contains("Enter the value"));

        let many: Vec<ConditionInput> = (0..=CONDITIONS_MAX)
            .map(|i| row(&format!("k{i}"), "eq", "v"))
            .collect();
        assert!(validate(&many)
            .unwrap_err()
            .get("filters")
            .unwrap()
            .contains("at most 10"));
    }

    #[test]
    fn stored_filters() {
        let d = data();
        assert!(stored_accepts("[]", &d));
        assert!(stored_accepts("", &d));
        assert!(
            stored_accepts("not json", &d),
            "unreadable filters never drop an event"
        );
        let stored =
            serde_json::to_string(&vec![cond("valohai.execution-step", Op::Glob, "eval*")])
                .unwrap();
        assert_eq!(
            stored,
            r#"[{"key":"valohai.execution-step","op":"glob","value":"eval*"}]"#
        );
        assert!(!stored_accepts(&stored, &d));
    }
}
