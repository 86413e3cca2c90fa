#pragma once
// Aligned storage for tensors, with an opt-in cache of large freed blocks.
//
// A training step frees and allocates the same large buffers (activations, gradients) every step.
// Handed back to glibc, the larger ones go back to the kernel (munmap or a heap trim) and the next
// step pays page faults and page zeroing for them again: 15-20 % of an AE-GAN step at W=64, and
// four fifths of a small generator's forward pass. While a BlockCacheScope is open
// (AEGANTrainer::fit opens one, a models::GeneratorModel holds one for its lifetime), freed blocks
// of kMinCachedBytes and more are kept by exact size, up to the largest open scope's limit, and
// handed out again first; when the last scope closes they are returned. Scopes may close in any
// order. Outside every scope nothing is cached (unless set_block_cache_limit says otherwise), so
// scoring and other one-off work keep the smallest footprint. Under AddressSanitizer scopes cache
// nothing, so that a use after free of a tensor is still reported.
#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <set>
#include <unordered_map>
#include <vector>

#include "aegan/tensor/shape.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define AEGAN_DETAIL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AEGAN_DETAIL_ASAN 1
#endif
#endif

namespace aegan {

namespace detail {
inline constexpr std::size_t kTensorAlignment = 64;      // one cache line; enough for AVX-512 loads
inline constexpr std::size_t kMinCachedBytes = 64 << 10;  // smaller blocks stay in malloc's own bins

#ifdef AEGAN_DETAIL_ASAN
inline constexpr bool kCacheAllowed = false;
#else
inline constexpr bool kCacheAllowed = true;
#endif

class BlockCache {
 public:
  /// Never destroyed: tensors with static storage duration may be freed after any other static.
  static BlockCache& instance() {
    static BlockCache* cache = new BlockCache;
    return *cache;
  }

  void* allocate(std::size_t bytes) {
    if (bytes >= kMinCachedBytes) {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.find(bytes);
      if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        cached_ -= bytes;
        return p;
      }
    }
    void* p = std::aligned_alloc(kTensorAlignment, bytes);
    if (!p) {
      release_all();  // the cache may be what stands between us and the memory
      p = std::aligned_alloc(kTensorAlignment, bytes);
      if (!p) throw std::bad_alloc();
    }
    return p;
  }

  void deallocate(void* p, std::size_t bytes) noexcept {
    if (!p) return;
    if (bytes >= kMinCachedBytes) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (cached_ + bytes <= limit_) {
        try {
          free_[bytes].push_back(p);
          cached_ += bytes;
          return;
        } catch (...) {  // no room to remember the block: give it back instead
        }
      }
    }
    std::free(p);
  }

  /// The process default, which open scopes may raise.
  void set_limit(std::size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    default_limit_ = bytes;
    apply_limit_locked();
  }
  void open_scope(std::size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    scopes_.insert(bytes);
    apply_limit_locked();
  }
  void close_scope(std::size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    scopes_.erase(scopes_.find(bytes));
    apply_limit_locked();
  }
  std::size_t limit() {
    std::lock_guard<std::mutex> lock(mutex_);
    return limit_;
  }
  std::size_t cached_bytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return cached_;
  }
  void release_all() {
    std::lock_guard<std::mutex> lock(mutex_);
    release_locked();
  }

 private:
  BlockCache() = default;
  void apply_limit_locked() {
    limit_ = std::max(default_limit_, scopes_.empty() ? std::size_t(0) : *scopes_.rbegin());
    if (cached_ > limit_) release_locked();
  }
  void release_locked() noexcept {
    for (auto& [bytes, blocks] : free_)
      for (void* p : blocks) std::free(p);
    free_.clear();
    cached_ = 0;
  }

  std::mutex mutex_;
  std::unordered_map<std::size_t, std::vector<void*>> free_;
  std::multiset<std::size_t> scopes_;  // the limits of the open BlockCacheScopes
  std::size_t cached_ = 0, limit_ = 0, default_limit_ = 0;
};

/// Frees through the cache; remembers the block's size for it.
struct AlignedFree {
  std::size_t bytes = 0;
  void operator()(void* p) const noexcept { BlockCache::instance().deallocate(p, bytes); }
};

/// n uninitialized, 64-byte aligned elements (null for n == 0).
template <class T>
std::unique_ptr<T[], AlignedFree> aligned_array(Index n) {
  if (n == 0) return nullptr;
  if (n < 0 || static_cast<std::size_t>(n) > std::numeric_limits<std::size_t>::max() / sizeof(T) - kTensorAlignment)
    throw std::bad_alloc();
  std::size_t bytes = static_cast<std::size_t>(n) * sizeof(T);
  bytes = (bytes + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment;
  return std::unique_ptr<T[], AlignedFree>(static_cast<T*>(BlockCache::instance().allocate(bytes)), AlignedFree{bytes});
}
}  // namespace detail

/// Most bytes of freed tensor storage kept for reuse, process-wide, outside BlockCacheScopes (0,
/// the default: none); an open scope with a larger limit raises it while it is open. Lowering it
/// below what is held returns the held blocks to the system.
inline void set_block_cache_limit(std::size_t bytes) { detail::BlockCache::instance().set_limit(bytes); }
inline std::size_t block_cache_limit() { return detail::BlockCache::instance().limit(); }
/// Bytes of freed tensor storage now held for reuse.
inline std::size_t block_cache_bytes() { return detail::BlockCache::instance().cached_bytes(); }
/// Returns every cached block to the system allocator.
inline void release_block_cache() { detail::BlockCache::instance().release_all(); }

/// Caches freed tensor blocks (up to `limit` bytes, or the largest limit of the scopes open at
/// the time) for its lifetime: wrap a training loop in one. When the last scope closes, the
/// cached blocks are returned to the system (down to set_block_cache_limit's default).
class BlockCacheScope {
 public:
  static constexpr std::size_t kDefaultLimit = std::size_t(256) << 20;
  explicit BlockCacheScope(std::size_t limit = kDefaultLimit) : limit_(detail::kCacheAllowed ? limit : 0) {
    detail::BlockCache::instance().open_scope(limit_);
  }
  ~BlockCacheScope() { detail::BlockCache::instance().close_scope(limit_); }
  BlockCacheScope(const BlockCacheScope&) = delete;
  BlockCacheScope& operator=(const BlockCacheScope&) = delete;

 private:
  std::size_t limit_;
};

}  // namespace aegan
