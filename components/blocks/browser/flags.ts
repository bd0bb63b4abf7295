import { Problems, show } from "../validate";

/**
 * Chrome Beta's flags for WebGPU capture. "angle" is the guide's recommendation: ANGLE picks the
 * backend (Vulkan, then OpenGL). "vulkan" forces native Vulkan, which crashes on some drivers.
 */
export function browserFlags(backend: "angle" | "vulkan"): string[] {
  switch (backend) {
    case "angle":
      return ["--enable-unsafe-webgpu", "--use-gl=angle", "--use-angle=default"];
    case "vulkan":
      return ["--enable-unsafe-webgpu", "--use-angle=vulkan", "--enable-features=Vulkan"];
    default: {
      const p = new Problems();
      p.add(`backend ${show(backend)} is not "angle" (recommended) or "vulkan"`);
      p.done("browserFlags");
      return [];
    }
  }
}
