import Link from "next/link";

export default function NotFound() {
  return (
    <section className="page">
      <h1>Page not found</h1>
      <p>
        There is no such page. Go to <Link href="/services">Services</Link>.
      </p>
    </section>
  );
}
