//! batchtop: a terminal console for Kubernetes batch work. This file only wires
//! the modes (console, `--once`) together.

fn main() {}
