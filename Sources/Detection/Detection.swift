// SPDX-License-Identifier: Apache-2.0

/// Detection: Suricata-compatible rules (loaded from text, compiled into typed rules, matched against parsed
/// transactions and events) and the findings they raise. No Foundation: rules are matched on the packet path.
///
/// This is the rule language's front end so far: the lexer and parser, with every error placed at its
/// `file:line:column`. Matching and alerts build on it (issue 4).
public enum Detection {}
