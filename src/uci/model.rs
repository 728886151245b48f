//! The parsed form of one UCI package: sections in file order, options in file order.
//!
//! Pure data. Invariants upheld by the parser:
//! - section types are printable ASCII without space; section and option names are
//!   `[A-Za-z0-9_]+`;
//! - a named section appears once (repeats merged into the first, in its position); an
//!   option name appears once per section (the last value wins, in the first position);
//! - a `Value::Single` is never empty (`option x ''` creates nothing), a `Value::List` has
//!   at least one item (items may be empty: `list x ''`).
//!
//! Anonymous sections have `name: None`; libuci's generated `cfgNNHHHH` names depend on
//! position and are deliberately not exposed (address them as `@type[N]`).

use serde::Serialize;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Package {
    pub name: String,
    pub sections: Vec<Section>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Section {
    #[serde(rename = "type")]
    pub ty: String,
    /// The section's name; `None` for an anonymous section.
    pub name: Option<String>,
    pub options: Vec<UciOption>,
    /// 1-based line of the `config` statement that created it.
    pub line: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UciOption {
    pub name: String,
    pub value: Value,
    /// 1-based line where the option got its current value.
    pub line: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Single(String),
    List(Vec<String>),
}

impl Package {
    /// Sections of one type with their `@type[N]` index, in file order.
    pub fn sections_of<'a>(&'a self, ty: &'a str) -> impl Iterator<Item = (usize, &'a Section)> + 'a {
        self.sections.iter().filter(move |s| s.ty == ty).enumerate()
    }

    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name.as_deref() == Some(name))
    }
}

impl Section {
    pub fn option(&self, name: &str) -> Option<&Value> {
        self.options.iter().find(|o| o.name == name).map(|o| &o.value)
    }
}

impl Value {
    /// The items: one for an option, all for a list.
    pub fn items(&self) -> &[String] {
        match self {
            Value::Single(s) => std::slice::from_ref(s),
            Value::List(l) => l,
        }
    }
}
