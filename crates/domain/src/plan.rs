//! The action plan's closed vocabularies.

use crate::role::{UnknownCode, coded_enum};
use std::fmt;
use std::str::FromStr;

coded_enum!(ActionOwner, "action owner", {
    Person => "person",
    Coach => "coach",
});

coded_enum!(ActionStatus, "action status", {
    Todo => "todo",
    Doing => "doing",
    Done => "done",
});
