/**
 * The GPU check of issue 11: {@link io.framefarm.worker.gpucheck.GpuCheck} drives a device's memory manager on a
 * {@link io.framefarm.worker.device.CudaDevice} and compares its books with {@code cuMemGetInfo} after every step.
 * It takes the {@link io.framefarm.worker.device.CudaDriver} as a parameter, so the unit test runs the same code on
 * the fake driver that the GPU machine runs on JCuda; {@code deploy/gpu-check} bundles it for the device.
 */
package io.framefarm.worker.gpucheck;
