//! TFRecord framing, as TensorFlow writes event files: for each record, its length (u64,
//! little-endian), the masked CRC-32C of those 8 bytes, the data, and the masked CRC-32C
//! of the data. Read incrementally: bytes are fed as they arrive, a record cut off at
//! the end waits for the rest, a record whose data fails its checksum is skipped and
//! counted, and after a length that fails its checksum the reader looks for the next
//! place where a length and its checksum agree.

/// The largest record accepted; a larger length is taken for damage.
const LARGEST: u64 = 256 << 20;

/// TensorFlow's mask over a CRC-32C (so that a CRC of data holding CRCs stays strong).
pub fn masked_crc(data: &[u8]) -> u32 {
    crc32c::crc32c(data).rotate_right(15).wrapping_add(0xa282_ead8)
}

/// Frames `data` as one record (for tests and fixtures).
pub fn frame(data: &[u8]) -> Vec<u8> {
    let length = (data.len() as u64).to_le_bytes();
    let mut out = Vec::with_capacity(data.len() + 16);
    out.extend_from_slice(&length);
    out.extend_from_slice(&masked_crc(&length).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&masked_crc(data).to_le_bytes());
    out
}

/// A stream of records read from bytes that may come in pieces.
#[derive(Clone, Debug, Default)]
pub struct Reader {
    /// Bytes not yet part of a whole record.
    pending: Vec<u8>,
    /// Records whose data failed its checksum (skipped).
    pub bad_records: usize,
    /// Places where a length failed its checksum and the reader had to look for the
    /// next record (each stretch of damage counts once).
    pub resyncs: usize,
    /// Looking for the next record after damage.
    resyncing: bool,
}

impl Reader {
    /// Takes in `bytes` and calls `record` with each whole record's data, in order.
    pub fn feed(&mut self, bytes: &[u8], mut record: impl FnMut(&[u8])) {
        self.pending.extend_from_slice(bytes);
        let buf = &self.pending;
        let mut at = 0;
        while buf.len() - at >= 12 {
            let length_bytes = &buf[at..at + 8];
            let length_crc = u32::from_le_bytes([buf[at + 8], buf[at + 9], buf[at + 10], buf[at + 11]]);
            let length = u64::from_le_bytes(length_bytes.try_into().unwrap_or([0; 8]));
            if masked_crc(length_bytes) != length_crc || length > LARGEST {
                if !self.resyncing {
                    self.resyncing = true;
                    self.resyncs += 1;
                }
                at += 1;
                continue;
            }
            #[allow(clippy::cast_possible_truncation, reason = "at most LARGEST, checked above")]
            let length = length as usize;
            let end = at + 12 + length + 4;
            if buf.len() < end {
                break;
            }
            self.resyncing = false;
            let data = &buf[at + 12..at + 12 + length];
            let data_crc = u32::from_le_bytes([buf[end - 4], buf[end - 3], buf[end - 2], buf[end - 1]]);
            if masked_crc(data) == data_crc {
                record(data);
            } else {
                self.bad_records += 1;
            }
            at = end;
        }
        self.pending.drain(..at);
        // What is held back is at most a record's start: the room the whole read took is
        // given back (a hundred followed files would otherwise keep their sizes).
        self.pending.shrink_to(self.pending.len().max(64 << 10));
    }

    /// Bytes held back: the start of a record still being written (or a damaged tail).
    pub fn pending(&self) -> usize {
        self.pending.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read_all(bytes: &[u8], pieces: &[usize]) -> (Vec<Vec<u8>>, Reader) {
        let mut reader = Reader::default();
        let mut out = Vec::new();
        let mut at = 0;
        for &size in pieces {
            let end = (at + size).min(bytes.len());
            reader.feed(&bytes[at..end], |r| out.push(r.to_vec()));
            at = end;
        }
        reader.feed(&bytes[at..], |r| out.push(r.to_vec()));
        (out, reader)
    }

    #[test]
    fn the_mask_is_tensorflows() {
        // crc32c("") = 0, masked: rotate(0) + 0xa282ead8.
        assert_eq!(masked_crc(b""), 0xa282_ead8);
        // crc32c("123456789") = 0xe3069283 (the standard check value).
        assert_eq!(crc32c::crc32c(b"123456789"), 0xe306_9283);
        assert_eq!(masked_crc(b"123456789"), 0xe306_9283u32.rotate_right(15).wrapping_add(0xa282_ead8));
    }

    #[test]
    fn a_bad_checksum_is_skipped_and_damage_is_resynchronized() {
        let mut bytes = frame(b"first");
        let mut second = frame(b"second");
        let last = second.len() - 1;
        second[last] ^= 1; // the data's checksum
        bytes.extend(second);
        bytes.extend(b"garbage!");
        bytes.extend(frame(b"third"));
        let (records, reader) = read_all(&bytes, &[]);
        assert_eq!(records, vec![b"first".to_vec(), b"third".to_vec()]);
        assert_eq!((reader.bad_records, reader.resyncs, reader.pending()), (1, 1, 0));
    }

    #[test]
    fn a_record_cut_off_waits_for_the_rest() {
        let bytes = [frame(b"one"), frame(b"two")].concat();
        let mut reader = Reader::default();
        let mut out = Vec::new();
        reader.feed(&bytes[..25], |r| out.push(r.to_vec()));
        assert_eq!(out, vec![b"one".to_vec()]);
        assert_eq!(reader.pending(), 6);
        reader.feed(&bytes[25..], |r| out.push(r.to_vec()));
        assert_eq!(out.len(), 2);
        assert_eq!(reader.pending(), 0);
        let mut empty = Reader::default();
        empty.feed(b"", |_| panic!("no record in no bytes"));
    }

    proptest! {
        /// Whatever the records and however the bytes arrive, the same records come out.
        #[test]
        fn records_survive_any_split(
            records in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..8),
            pieces in prop::collection::vec(0usize..200, 0..10),
        ) {
            let bytes: Vec<u8> = records.iter().flat_map(|r| frame(r)).collect();
            let (out, reader) = read_all(&bytes, &pieces);
            prop_assert_eq!(out, records);
            prop_assert_eq!((reader.bad_records, reader.resyncs, reader.pending()), (0, 0, 0));
        }

        /// One flipped byte loses at most the records it touches, never the others.
        #[test]
        fn one_flipped_byte_costs_at_most_two_records(
            records in prop::collection::vec(prop::collection::vec(any::<u8>(), 1..100), 3..8),
            position in any::<prop::sample::Index>(),
            flip in 1u8..=255,
        ) {
            let mut bytes: Vec<u8> = records.iter().flat_map(|r| frame(r)).collect();
            let at = position.index(bytes.len());
            bytes[at] ^= flip;
            let (out, _) = read_all(&bytes, &[]);
            prop_assert!(out.len() + 2 >= records.len(), "{} of {}", out.len(), records.len());
            prop_assert!(out.iter().all(|r| records.contains(r)));
        }
    }
}
