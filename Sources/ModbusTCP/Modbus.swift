// SPDX-License-Identifier: Apache-2.0

/// Modbus/TCP: the MBAP header, PDUs, function and exception codes, the stream framer and request/response
/// pairing.
///
/// Sources: Modbus Application Protocol Specification V1.1b3 (cited as "MB §n") and Modbus Messaging on TCP/IP
/// Implementation Guide V1.0b (cited as "MB-TCP §n"). Roles are **client** and **server**; addresses are kept
/// exactly as on the wire (zero-based).
public enum Modbus {}
