// Making a "cold" run cold: dropping a store's files from the OS page cache, and checking that it worked.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

enum PageCache {
    /// The store file and every file beside it whose name starts with the store's (`-wal`, `-shm`, and any
    /// sidecar a future engine keeps), so a cold run finds nothing of the store in memory.
    static func storeFiles(_ store: String) -> [String] {
        let slash = store.lastIndex(of: "/")
        let directory = slash.map { String(store[..<$0]) } ?? "."
        let name = slash.map { String(store[store.index(after: $0)...]) } ?? store
        guard let dir = opendir(directory) else { return [store] }
        defer { closedir(dir) }
        var files: [String] = []
        while let entry = readdir(dir) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if entryName.hasPrefix(name) { files.append(directory + "/" + entryName) }
        }
        return files.sorted()
    }

    /// Bytes of all the store's files.
    static func size(ofStore store: String) -> Int64 {
        storeFiles(store).reduce(0) { $0 + fileSize($1) }
    }

    static func fileSize(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : 0
    }

    /// Writes back and drops the pages of the store's files (no root needed: POSIX_FADV_DONTNEED on clean pages).
    static func evict(store: String) {
        for file in storeFiles(store) {
            let fd = open(file, O_RDONLY)
            guard fd >= 0 else { continue }
            fsync(fd)
            _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_DONTNEED))
            close(fd)
        }
    }

    /// The share of the store's pages in memory now (mincore), or nil when it cannot be told.
    static func residentShare(store: String) -> Double? {
        var resident = 0, total = 0
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        for file in storeFiles(store) {
            let size = Int(fileSize(file))
            guard size > 0 else { continue }
            let fd = open(file, O_RDONLY)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            guard let map = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), map != MAP_FAILED else { return nil }
            defer { munmap(map, size) }
            let pages = (size + page - 1) / page
            var vector = [UInt8](repeating: 0, count: pages)
            guard mincore(map, size, &vector) == 0 else { return nil }
            resident += vector.reduce(0) { $0 + Int($1 & 1) }
            total += pages
        }
        return total > 0 ? Double(resident) / Double(total) : nil
    }
}
