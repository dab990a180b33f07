//! The fault tests (a killed server, a restarted PostgreSQL, two servers under one burst, a
//! full disk) as a binary of their own. They push the machine to its limits and judge answers
//! by time, so they run apart from the rest of the suite, not beside its browser and load tests.

mod faults;
mod support;
