/**
 * The memory a worker node runs models on: {@link io.framefarm.worker.device.CudaDevice} per GPU
 * through JCuda's driver API, or {@link io.framefarm.worker.device.HostDevice} slots where there is
 * no driver or GPU. {@link io.framefarm.worker.device.Devices#discover} picks them from
 * {@code --gpus}, {@code --cpu-slots} and the host budget; {@link io.framefarm.worker.device.MemorySize}
 * parses {@code --memory-budget}. Whoever discovers the devices closes them when the node stops.
 */
package io.framefarm.worker.device;
