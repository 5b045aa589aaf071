// SPDX-License-Identifier: Apache-2.0
import Foundation
public import SensorEngine

/// EVE records to a file that is rotated by size, with a bounded number of old files: `eve.json` is renamed to
/// `eve.json.1` (and `.1` to `.2`, ...) once writing would take it past ``maxFileSize``, and the oldest past
/// ``maxFiles`` is deleted, so the records never take more than `(maxFiles + 1) x maxFileSize` bytes of disk.
///
/// Writes go straight to the file descriptor in whole chunks of lines (the EVE writer hands over whole records),
/// so a reader following the file never sees half a line. A write that fails (disk full) is counted and the
/// records are dropped; the sensor goes on. `-` writes to standard output, never rotated.
public final class RotatingFileOutput: RecordOutput, @unchecked Sendable {
    public let path: String
    public let maxFileSize: Int
    public let maxFiles: Int
    private var descriptor: Int32 = -1
    private var size = 0
    private let lock = NSLock()
    /// Files rotated, writes that failed, and the last failure's text.
    public private(set) var rotations = 0
    public private(set) var failedWrites = 0
    public private(set) var lastFailure: String?

    /// Opens (creates, or appends to) `path`.
    ///
    /// - Throws: an error naming the path and the system's reason when the file cannot be opened.
    public init(path: String, maxFileSize: Int, maxFiles: Int) throws {
        self.path = path
        self.maxFileSize = max(maxFileSize, 4096)
        self.maxFiles = max(maxFiles, 0)
        if path == "-" {
            descriptor = STDOUT_FILENO
        } else {
            try open()
        }
    }

    deinit {
        if descriptor > STDERR_FILENO { close(descriptor) }
    }

    /// Opens the file without blocking (a FIFO put in its place would block the open until a reader comes), and
    /// only if it is a regular file (or `/dev/null`, to throw the records away).
    private func open() throws {
        let opened = Foundation.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK, 0o640)
        guard opened >= 0 else {
            throw OutputError(path: path, reason: String(cString: strerror(errno)))
        }
        var status = stat()
        fstat(opened, &status)
        let isNull = path == "/dev/null" && (status.st_mode & S_IFMT) == S_IFCHR
        guard (status.st_mode & S_IFMT) == S_IFREG || isNull else {
            close(opened)
            throw OutputError(path: path, reason: "not a regular file")
        }
        _ = fcntl(opened, F_SETFL, fcntl(opened, F_GETFL) & ~O_NONBLOCK)
        descriptor = opened
        size = isNull ? 0 : Int(status.st_size)
        discards = isNull
    }

    /// Writing to `/dev/null`: never rotated.
    private var discards = false

    /// Writes whole lines: a file is rotated between two lines, before the one that would take it past
    /// ``maxFileSize`` (a single line longer than that goes into a file of its own).
    public func write(_ bytes: [UInt8]) {
        lock.lock()
        defer { lock.unlock() }
        guard !bytes.isEmpty else { return }
        guard path != "-", !discards else {
            writeWhole(bytes[...])
            return
        }
        var start = 0
        while start < bytes.count {
            // The longest run of whole lines from `start` that fits in the room left.
            let room = maxFileSize - size
            var end = start
            var index = start
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "\n") {
                    if index + 1 - start > room { break }
                    end = index + 1
                }
                index += 1
            }
            if end == start {
                if size > 0 {
                    rotate()
                    if size > 0 { return }  // the rotation failed: counted, and this chunk dropped
                    continue
                }
                // An empty file and a line longer than a file: the line alone.
                end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? bytes.count
            }
            writeWhole(bytes[start..<end])
            start = end
        }
    }

    /// Writes `chunk` whole, or nothing: after a failed write (disk full) the file is cut back to where the chunk
    /// began, so no half line stays to be joined with the next.
    private func writeWhole(_ chunk: ArraySlice<UInt8>) {
        guard descriptor >= 0 else {
            failedWrites += 1
            return
        }
        var offset = 0
        while offset < chunk.count {
            let written = chunk.withUnsafeBufferPointer { buffer in
                Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                failedWrites += 1
                lastFailure = String(cString: strerror(errno))
                if offset > 0, descriptor > STDERR_FILENO { _ = ftruncate(descriptor, off_t(size)) }
                return
            }
            offset += written
        }
        size += chunk.count
    }

    /// Renames the current file to `.1` (shifting older ones) and opens a new one.
    private func rotate() {
        // When the folder refuses (made read-only), the failure is counted and this chunk dropped: the file does
        // not grow past its bound.
        let moved: Bool
        if maxFiles == 0 {
            moved = unlink(path) == 0
        } else {
            unlink("\(path).\(maxFiles)")
            for index in stride(from: maxFiles - 1, through: 1, by: -1) {
                rename("\(path).\(index)", "\(path).\(index + 1)")
            }
            moved = rename(path, "\(path).1") == 0
        }
        guard moved else {
            failedWrites += 1
            lastFailure = "cannot rotate: \(String(cString: strerror(errno)))"
            return
        }
        rotations += 1
        openAgain()
    }

    /// Closes and opens the file again (after an outside tool moved it: SIGHUP, as logrotate expects).
    public func reopen() {
        lock.lock()
        defer { lock.unlock() }
        guard path != "-" else { return }
        openAgain()
    }

    /// Closes the file and opens the path again; a failure is remembered, and writes are counted as failed
    /// until an open works.
    private func openAgain() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        do {
            try open()
        } catch {
            lastFailure = "\(error)"
        }
    }

    /// Flushes the file to disk. The corresponding C function is `fsync`.
    public func sync() {
        lock.lock()
        defer { lock.unlock() }
        if descriptor > STDERR_FILENO { fsync(descriptor) }
    }
}

/// An output file that cannot be opened.
public struct OutputError: Error, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "cannot open '\(path)': \(reason)" }
}
