//! The memory allocator: the system's, asking the kernel to back large blocks with huge pages.
//!
//! A national run keeps a million or more person records and their pending events, and each
//! event reads one record at a random place. With 4 KiB pages nearly every such read also
//! misses the address-translation cache, and the page walk costs as much as the read. With
//! 2 MiB pages the translations of the whole table fit in that cache:
//! `cjmh bench --model pathway --cohort 10000000 --threads 2` took 9.1 s instead of 19.7 s on
//! the development machine (Linux with transparent huge pages in `madvise` mode, the common
//! default). Where the kernel gives no huge pages the advice is ignored and nothing changes;
//! results never depend on it.
//!
//! The command declares it as the global allocator, and so do the benches that run the
//! pathway, so that they measure what users get.

use std::alloc::{GlobalAlloc, Layout, System};

/// Blocks at least this large are advised; smaller ones could not fill a huge page.
#[cfg(target_os = "linux")]
const LARGE: usize = 4 << 20;

/// The size of a transparent huge page on x86-64 and most 64-bit Linux targets.
#[cfg(target_os = "linux")]
const HUGE_PAGE: usize = 2 << 20;

/// The system allocator, with large blocks advised to use huge pages (on Linux).
pub struct HugePages;

/// Advises the huge pages wholly inside `[ptr, ptr + size)`.
#[inline]
fn advise(ptr: *mut u8, size: usize) {
    #[cfg(target_os = "linux")]
    if size >= LARGE && !ptr.is_null() {
        let start = (ptr as usize).next_multiple_of(HUGE_PAGE);
        let end = (ptr as usize + size) & !(HUGE_PAGE - 1);
        if end > start {
            // SAFETY: the range lies inside a block the allocator has just handed out, and
            // MADV_HUGEPAGE changes how it is backed, never its contents. A failure (a kernel
            // without transparent huge pages) leaves the block as it was, so it is ignored.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (ptr, size);
}

// SAFETY: every method passes its arguments to `System` unchanged and returns its result; the
// advice changes no byte of any block.
unsafe impl GlobalAlloc for HugePages {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is `System::alloc`'s.
        let ptr = unsafe { System.alloc(layout) };
        advise(ptr, layout.size());
        ptr
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        advise(ptr, layout.size());
        ptr
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, that is from `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`; the caller's contract for `realloc` is `System::realloc`'s.
        let ptr = unsafe { System.realloc(ptr, layout, new_size) };
        advise(ptr, new_size);
        ptr
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Large and small blocks, grown and shrunk, keep their contents.
    #[test]
    fn blocks_keep_their_contents() {
        for size in [16usize, 4096, 8 << 20] {
            let layout = Layout::from_size_align(size, 64).unwrap();
            // SAFETY: the layout is non-zero; every pointer is checked and freed once with the
            // layout it was allocated or reallocated with.
            unsafe {
                let p = HugePages.alloc(layout);
                assert!(!p.is_null());
                for i in 0..size {
                    *p.add(i) = (i % 251) as u8;
                }
                let q = HugePages.realloc(p, layout, size * 3);
                assert!(!q.is_null());
                for i in 0..size {
                    assert_eq!(*q.add(i), (i % 251) as u8);
                }
                HugePages.dealloc(q, Layout::from_size_align(size * 3, 64).unwrap());
                let z = HugePages.alloc_zeroed(layout);
                assert!((0..size).all(|i| *z.add(i) == 0));
                HugePages.dealloc(z, layout);
            }
        }
    }
}
