//! Sysvars: clock and rent through syscalls, and the instructions sysvar account.

pub mod clock;
pub mod instructions;
pub mod rent;

pub use clock::Clock;
pub use instructions::{Instructions, IntrospectedInstruction};
pub use rent::Rent;
