//! Files the CLI reads as input (members and reports CSV, trade files). Every problem with
//! the file itself is bad input, exit 65 (issue 15): missing, a directory, too large, or not
//! UTF-8, the last with the line of the first invalid byte.

use std::fmt;
use std::path::Path;

/// A file that cannot be used as input; `commands::exit_code` maps it to 65.
#[derive(Debug)]
pub struct BadInput(pub String);

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// The text of `file`, at most `max_bytes` long; `split_hint` says how to split a larger one.
pub fn read_text(file: &Path, max_bytes: u64, split_hint: &str) -> Result<String, BadInput> {
    let name = file.display();
    let meta =
        std::fs::metadata(file).map_err(|e| BadInput(format!("no se puede leer {name}: {e}")))?;
    if meta.is_dir() {
        return Err(BadInput(format!(
            "{name}: es un directorio, no un archivo / is a directory"
        )));
    }
    if meta.len() > max_bytes {
        return Err(BadInput(format!(
            "{name}: mide más de {} MiB; {split_hint}",
            max_bytes / (1024 * 1024)
        )));
    }
    let bytes =
        std::fs::read(file).map_err(|e| BadInput(format!("no se puede leer {name}: {e}")))?;
    utf8(bytes).map_err(|(line, byte)| {
        BadInput(format!(
            "{name}, línea {line}: no es texto UTF-8 (byte 0x{byte:02X}); guárdelo como UTF-8 / not UTF-8 text"
        ))
    })
}

/// The bytes as a string, or the line (from 1) and value of the first invalid byte.
fn utf8(bytes: Vec<u8>) -> Result<String, (usize, u8)> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        let line = 1 + bytes[..at].iter().filter(|b| **b == b'\n').count();
        (line, bytes[at])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_invalid_byte_is_named_with_its_line() {
        // "Peña" in Latin-1 on the third line: ñ is the single byte 0xF1.
        let latin1 = b"curp,nombre\nA,Ana\nB,Pe\xf1a\n".to_vec();
        assert_eq!(utf8(latin1), Err((3, 0xF1)));
        assert_eq!(utf8("línea\n".as_bytes().to_vec()).unwrap(), "línea\n");
    }
}
