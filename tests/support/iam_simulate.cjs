// Runs @cloud-copilot/iam-simulate (Strict mode) on a JSON array of simulations read from
// stdin and prints one {"result": ...} or {"error": ...} per simulation, in order.
// Usage: node iam_simulate.cjs PREFIX < simulations.json  (PREFIX: where npm installed it)
const { createRequire } = require('node:module')
const path = require('node:path')
const { runSimulation } = createRequire(path.join(process.argv[2], 'package.json'))(
  '@cloud-copilot/iam-simulate'
)

async function main() {
  const chunks = []
  for await (const chunk of process.stdin) chunks.push(chunk)
  const cases = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  const out = []
  for (const simulation of cases) {
    try {
      const found = await runSimulation(simulation, { simulationMode: 'Strict' })
      out.push(found.resultType === 'error'
        ? { error: JSON.stringify(found.errors) }
        : { result: found.overallResult })
    } catch (exc) {
      out.push({ error: String(exc) })
    }
  }
  process.stdout.write(JSON.stringify(out))
}

main()
