//! Workflows more than one area of the tests runs.

/// One task that prints the `password` key of secret `db` (read through
/// `secretKeyRef`): what masking is checked with.
pub const USES_SECRET: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: uses-secret}
spec:
  entrypoint: main
  templates:
  - name: main
    container:
      image: alpine
      command: [sh, -c, 'echo "password is $PASSWORD"']
      env:
      - name: PASSWORD
        valueFrom: {secretKeyRef: {name: db, key: password}}
"#;
