//! Instruction handlers, one module per framework feature.

pub mod accounts;
pub mod echo;
pub mod event;
pub mod math;
pub mod pda;
pub mod quorum;
pub mod system;
pub mod sysvars;
pub mod token;
