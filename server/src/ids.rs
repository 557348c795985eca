//! Document ids: opaque strings that name the table they belong to.
//!
//! An id is 16 bytes — 14 random, one table number, one check byte — written in
//! lowercase base32 (26 characters). `table_of` recovers the table, so `v.id("x")`
//! validation can reject an id of another table, or a string that was never an id,
//! without touching the database.

use rand::RngCore;

const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
const ID_BYTES: usize = 16;
const ID_CHARS: usize = 26;

/// The tables of the data model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    VideoCallSessions,
    Appointments,
    ProcessedOps,
    UserStats,
    WorkerStats,
}

impl Table {
    pub const ALL: [Table; 5] = [
        Table::VideoCallSessions,
        Table::Appointments,
        Table::ProcessedOps,
        Table::UserStats,
        Table::WorkerStats,
    ];

    /// The Convex table name.
    pub fn name(self) -> &'static str {
        match self {
            Table::VideoCallSessions => "videoCallSessions",
            Table::Appointments => "appointments",
            Table::ProcessedOps => "processedOps",
            Table::UserStats => "userStats",
            Table::WorkerStats => "workerStats",
        }
    }

    fn number(self) -> u8 {
        match self {
            Table::VideoCallSessions => 10,
            Table::Appointments => 11,
            Table::ProcessedOps => 12,
            Table::UserStats => 13,
            Table::WorkerStats => 14,
        }
    }

    fn from_number(n: u8) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.number() == n)
    }
}

/// A fresh random id for a document of `table`.
pub fn new_id(table: Table) -> String {
    let mut bytes = [0u8; ID_BYTES];
    rand::thread_rng().fill_bytes(&mut bytes[..ID_BYTES - 2]);
    bytes[ID_BYTES - 2] = table.number();
    bytes[ID_BYTES - 1] = check_byte(&bytes[..ID_BYTES - 1]);
    encode(&bytes)
}

/// The table an id belongs to, or `None` if the string is not one of our ids.
pub fn table_of(id: &str) -> Option<Table> {
    let bytes = decode(id)?;
    if check_byte(&bytes[..ID_BYTES - 1]) != bytes[ID_BYTES - 1] {
        return None;
    }
    Table::from_number(bytes[ID_BYTES - 2])
}

fn check_byte(bytes: &[u8]) -> u8 {
    bytes
        .iter()
        .fold(0x5au8, |acc, b| acc.rotate_left(3) ^ b.wrapping_mul(31))
}

fn encode(bytes: &[u8; ID_BYTES]) -> String {
    let value = u128::from_be_bytes(*bytes);
    (0..ID_CHARS)
        .rev()
        .map(|i| ALPHABET[((value >> (i * 5)) & 31) as usize] as char)
        .collect()
}

fn decode(id: &str) -> Option<[u8; ID_BYTES]> {
    if id.len() != ID_CHARS {
        return None;
    }
    let mut value: u128 = 0;
    for (i, c) in id.bytes().enumerate() {
        let digit = ALPHABET.iter().position(|&a| a == c)? as u128;
        // 26 × 5 = 130 bits: the first character carries only three.
        if i == 0 && digit > 7 {
            return None;
        }
        value = (value << 5) | digit;
    }
    Some(value.to_be_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_name_their_table() {
        for table in Table::ALL {
            let id = new_id(table);
            assert_eq!(id.len(), ID_CHARS);
            assert_eq!(table_of(&id), Some(table));
        }
    }

    #[test]
    fn ids_are_distinct() {
        let a = new_id(Table::VideoCallSessions);
        let b = new_id(Table::VideoCallSessions);
        assert_ne!(a, b);
    }

    #[test]
    fn other_strings_are_not_ids() {
        assert_eq!(table_of(""), None);
        assert_eq!(table_of("k1234abcd"), None);
        assert_eq!(table_of(&"z".repeat(ID_CHARS)), None);
        let mut id = new_id(Table::Appointments).into_bytes();
        id[10] = if id[10] == b'0' { b'1' } else { b'0' };
        assert_eq!(table_of(&String::from_utf8(id).unwrap()), None);
    }
}
