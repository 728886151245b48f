//! The parsed form of one UCI package: sections in file order, options in file order.
//!
//! Pure data. Invariant upheld by the parser: section types, section names and option
//! names satisfy libuci's character sets; a named section appears once (repeats merged).

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
