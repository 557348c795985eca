//! A storage for the quota and outage cases: a shared `MemoryStorage` ("the disk")
//! whose writes can be made to fail with a chosen `StorageError` and whose key
//! listing can be made unavailable, switched on and off while a client uses it.

use std::cell::RefCell;
use std::future::{ready, Future};
use std::rc::Rc;

use video_session_sdk::platform::{Storage, StorageError};
use video_session_sdk::MemoryStorage;

/// Storage over a `MemoryStorage` whose writes or listings can be made to fail.
#[derive(Clone, Default)]
pub struct Flaky {
    pub disk: MemoryStorage,
    pub fail_set: Rc<RefCell<Option<StorageError>>>,
    pub fail_list: Rc<RefCell<bool>>,
}

impl Storage for Flaky {
    fn get(&self, key: &str) -> impl Future<Output = Result<Option<String>, StorageError>> {
        self.disk.get(key)
    }
    fn set(&self, key: &str, value: &str) -> impl Future<Output = Result<(), StorageError>> {
        let failure = self.fail_set.borrow().clone();
        ready(match failure {
            Some(e) => Err(e),
            None => self.disk.set_now(key, value),
        })
    }
    fn remove(&self, key: &str) -> impl Future<Output = Result<(), StorageError>> {
        self.disk.remove(key)
    }
    fn keys_with_prefix(
        &self,
        prefix: &str,
    ) -> impl Future<Output = Result<Vec<String>, StorageError>> {
        ready(match *self.fail_list.borrow() {
            true => Err(StorageError::Unavailable("disk detached".into())),
            false => Ok(self.disk.keys_now(prefix)),
        })
    }
}
