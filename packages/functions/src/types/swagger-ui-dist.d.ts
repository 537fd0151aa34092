// The two swagger-ui-dist files the API reference imports as text (esbuild's `with { type: 'text' }`).
declare module 'swagger-ui-dist/swagger-ui-bundle.js' {
  const text: string;
  export default text;
}
declare module 'swagger-ui-dist/swagger-ui.css' {
  const text: string;
  export default text;
}
