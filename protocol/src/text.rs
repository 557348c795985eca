//! Text measured and trimmed the way JavaScript does it, because the limits are
//! JavaScript's (`String.prototype.length`, `trim()`) on `convex/`, and a Rust side
//! that counted bytes or chars would draw the line at a different character.

/// Length in UTF-16 code units, as JavaScript's `.length`.
pub fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// White space as JavaScript's `trim()` sees it: Rust's set plus U+FEFF, minus U+0085.
pub fn is_js_space(c: char) -> bool {
    c == '\u{feff}' || (c.is_whitespace() && c != '\u{85}')
}

/// Whether `trim()` would leave nothing.
pub fn is_blank(s: &str) -> bool {
    s.chars().all(is_js_space)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_utf16_units() {
        assert_eq!(utf16_len("abc"), 3);
        assert_eq!(utf16_len("é"), 1);
        assert_eq!(utf16_len("😀"), 2);
    }

    #[test]
    fn blank_is_what_js_trim_empties() {
        assert!(is_blank(" \t\u{a0}\u{feff}"));
        assert!(is_blank(""));
        assert!(!is_blank(" Dr. Smith "));
        // JS trim() keeps NEL.
        assert!(!is_blank("\u{85}"));
    }
}
