// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Giving up root once the capture handles are open.
///
/// The capture needs root or `CAP_NET_RAW` only to open its sockets; nothing after that does. So the sensor opens
/// every interface first, then switches to an unprivileged user (`--user`, `run-as`), or is started by systemd as
/// that user with only `CAP_NET_RAW` (and `CAP_NET_ADMIN` for promiscuous mode) as ambient capabilities.
public enum Privileges {
    /// A switch that failed.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Whether the process runs with root's user id (real or effective).
    public static var isRoot: Bool { getuid() == 0 || geteuid() == 0 }

    /// The name of the user the process runs as, or its number.
    public static var currentUser: String {
        let uid = geteuid()
        if let entry = getpwuid(uid), let name = entry.pointee.pw_name { return String(cString: name) }
        return "\(uid)"
    }

    /// Switches the process to `user` for good: its supplementary groups, group and user ids (real, effective
    /// and saved), then checks that root cannot be regained.
    ///
    /// - Throws: ``Failure`` when the user does not exist, the process may not switch (not root), or root could
    ///   be taken back. The corresponding C functions are `getpwnam`, `initgroups`, `setgid` and `setuid`.
    public static func drop(to user: String) throws(Failure) {
        guard let entry = getpwnam(user) else { throw Failure(description: "no such user '\(user)'") }
        let uid = entry.pointee.pw_uid
        let gid = entry.pointee.pw_gid
        if geteuid() == uid, getuid() == uid { return }  // already that user
        guard initgroups(user, gid) == 0 else {
            throw Failure(description: "cannot set the groups of '\(user)': \(String(cString: strerror(errno)))")
        }
        guard setgid(gid) == 0 else {
            throw Failure(description: "cannot switch to the group of '\(user)': \(String(cString: strerror(errno)))")
        }
        guard setuid(uid) == 0 else {
            throw Failure(description: "cannot switch to user '\(user)': \(String(cString: strerror(errno)))")
        }
        // setuid as root sets all three ids; if root can be regained, the switch did not hold.
        if uid != 0, setuid(0) == 0 {
            throw Failure(description: "switched to '\(user)' but root could be regained; stopping")
        }
    }
}

extension Privileges {
    /// Whether a user of that name exists. The corresponding C function is `getpwnam`.
    public static func userExists(_ name: String) -> Bool { getpwnam(name) != nil }

    /// Whether a network interface of that name exists. The corresponding C function is `if_nametoindex`.
    public static func interfaceExists(_ name: String) -> Bool { if_nametoindex(name) != 0 }
}

extension Privileges {
    /// Whether `user` (nil: the current user) may create or append to the file at `path`: by the owner, group
    /// or other write bit of the file when it exists, else of its folder. Supplementary groups are not
    /// considered. The corresponding C functions are `getpwnam` and `stat`.
    public static func canWrite(_ path: String, as user: String?) -> Bool {
        let uid: uid_t
        let gid: gid_t
        if let user {
            guard let entry = getpwnam(user) else { return false }
            uid = entry.pointee.pw_uid
            gid = entry.pointee.pw_gid
        } else {
            uid = geteuid()
            gid = getegid()
        }
        if uid == 0 { return true }
        var status = stat()
        if stat(path, &status) != 0 {
            let folder = (path as NSString).deletingLastPathComponent
            guard stat(folder.isEmpty ? "." : folder, &status) == 0 else { return false }
        }
        let mode = status.st_mode
        if status.st_uid == uid { return mode & S_IWUSR != 0 }
        if status.st_gid == gid { return mode & S_IWGRP != 0 }
        return mode & S_IWOTH != 0
    }
}
