//! Collective trade.
