import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", ".toolchain/", ".sandbox/", ".state/", "test/fixtures/**"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-require-imports": "off",
      "no-console": "off",
      eqeqeq: ["error", "always"],
    },
  },
);
