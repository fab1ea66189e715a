/**
 * Switching panels from anywhere (a result card's "Open in CAM", the Model Zoo's "Use in Inference"). Kept apart
 * from `routing.ts`, which knows every panel, so panels can navigate without importing themselves in a cycle.
 */
export function goToPanel(id: string): void {
  window.location.hash = `#/${id}`;
}
