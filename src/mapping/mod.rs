//! Mapping files: the TOML format (`spec`), parsing with errors that point at a line and column,
//! compiling against a file's headers (`compile`), applying to rows, and drafting a mapping from
//! headers (`init`). Pure apart from reading the mapping file itself.

mod compile;
mod extras;
mod fields_spec;
mod headers;
pub mod init;
pub mod spec;

use std::path::{Path, PathBuf};

pub(crate) use compile::field_tables;
pub use compile::{CustomRef, Mapping};
pub use extras::normalise_due;
pub(crate) use headers::Headers;
pub use spec::{DedupeKey, MappingSpec, SharedPhone};

/// Why a mapping cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    /// The file could not be read.
    #[error("cannot read mapping {path}: {source}")]
    Read {
        /// The mapping file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The TOML is malformed, has an unknown key, or a value of the wrong type.
    #[error("{path}: {location}{message}")]
    Syntax {
        /// The mapping file.
        path: PathBuf,
        /// "line L, column C: ", or empty when the parser gave no position.
        location: String,
        /// The parser's message.
        message: String,
    },
    /// The TOML is well-formed but says something impossible.
    #[error("{path}: {message}")]
    Invalid {
        /// The mapping file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// The mapping file's text and parsed form, kept together so the ledger can fingerprint it.
#[derive(Debug, Clone)]
pub struct LoadedMapping {
    /// Where it came from.
    pub path: PathBuf,
    /// The parsed file.
    pub spec: MappingSpec,
    /// blake3 of the file's bytes, hex.
    pub hash: String,
}

impl LoadedMapping {
    /// Compiles the mapping against a file's headers; `region` overrides its default region
    /// (`--region`).
    pub fn compile(
        &self,
        headers: &[String],
        region: Option<&str>,
    ) -> Result<Mapping, MappingError> {
        Mapping::compile(&self.spec, headers, region, &self.path)
    }
}

/// Reads and parses a mapping file.
pub fn load(path: &Path) -> Result<LoadedMapping, MappingError> {
    let text = std::fs::read_to_string(path).map_err(|source| MappingError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let spec = parse(&text, path)?;
    Ok(LoadedMapping {
        path: path.to_path_buf(),
        spec,
        hash: blake3::hash(text.as_bytes()).to_hex().to_string(),
    })
}

/// Parses mapping text; `path` is only used in messages. Never panics, whatever the text.
pub fn parse(text: &str, path: &Path) -> Result<MappingSpec, MappingError> {
    let spec: MappingSpec = toml::from_str(text).map_err(|err| {
        let location = err
            .span()
            .map(|span| {
                let (line, column) = line_column(text, span.start);
                format!("line {line}, column {column}: ")
            })
            .unwrap_or_default();
        MappingError::Syntax {
            path: path.to_path_buf(),
            location,
            message: err.message().trim_end().to_string(),
        }
    })?;
    if spec.version != 1 {
        return Err(MappingError::Invalid {
            path: path.to_path_buf(),
            message: format!(
                "version {} is not supported: this ghl-bulk reads version = 1",
                spec.version
            ),
        });
    }
    Ok(spec)
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(text, Path::new("m.toml")).unwrap_err().to_string()
    }

    #[test]
    fn unknown_key_has_line_and_column() {
        let msg = err("version = 1\n[fields]\nemail = \"E-mail\"\nphon = \"Phone\"\n");
        assert!(
            msg.starts_with("m.toml: line 4, column 1: unknown field `phon`"),
            "{msg}"
        );
        let msg = err("version = 1\n[fields]\nemail = { colum = \"E\" }\n");
        assert!(msg.contains("line 3, column 11"), "{msg}");
        assert!(msg.contains("unknown field `colum`"), "{msg}");
    }

    #[test]
    fn version_is_required_and_checked() {
        assert!(err("[fields]\n").contains("missing field `version`"));
        assert!(err("version = 2\n").contains("version 2 is not supported"));
    }

    #[test]
    fn short_and_long_field_forms() {
        let spec = parse(
            "version = 1\n[fields]\nemail = \"E\"\ndnd = { column = \"D\", map = { Y = true } }\n",
            Path::new("m"),
        )
        .unwrap();
        let email = spec.fields.get(crate::contact::StdField::Email).unwrap();
        assert_eq!(email.0.column.as_deref(), Some("E"));
        let dnd = &spec.fields.get(crate::contact::StdField::Dnd).unwrap().0;
        assert_eq!(dnd.map.as_ref().unwrap()["Y"].to_string(), "true");
    }

    #[test]
    fn line_columns() {
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("é\nx", 3), (2, 1));
    }
}
