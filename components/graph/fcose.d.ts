declare module "cytoscape-fcose" {
  const fcose: (cytoscape: unknown) => void;
  export default fcose;
}
