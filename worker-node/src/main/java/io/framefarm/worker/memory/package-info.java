/**
 * One memory manager per device: the {@link io.framefarm.worker.memory.MemoryManager} actor wraps
 * plain-Java books (budget, owners, model cache, buffer pool, leak tracking) and is the only code that
 * allocates on its device.
 *
 * <p>A worker uses it per chunk, with the chunk id as owner: {@code LoadPrimaryModels} once at start;
 * per chunk {@code AcquireModels} then {@code LeaseBuffers} (failing the chunk with the reason on a
 * rejection, or retrying later when it says {@code retryable}); {@code FramesProcessed} as frames go
 * by; {@code BufferLease.close()} when done; and always {@code OwnerFinished}, on success, failure or
 * cancellation, which frees whatever the chunk still held and reports it as leaked.
 */
package io.framefarm.worker.memory;
