// SPDX-License-Identifier: Apache-2.0

/// DNP3 (IEEE 1815-2012): the data link layer (clause 9), the transport function (clause 8) and the application
/// layer (clauses 4 and 5), decoded without copies where a fragment fits in one link frame.
///
/// Roles are **master** and **outstation**; at the TCP level the code speaks of `toServer`/`toClient` only.
public enum DNP3 {
    /// The data link layer (IEEE 1815-2012 clause 9).
    public enum Link {}
    /// The transport function (IEEE 1815-2012 clause 8).
    public enum Transport {}
    /// The application layer (IEEE 1815-2012 clauses 4 and 5).
    public enum Application {}
}
