// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DistributorFixture} from "./utils/DistributorFixture.sol";
import {console} from "./utils/TestBase.sol";
import {MerkleBuilder} from "./utils/MerkleBuilder.sol";
import {AirdropDistributor} from "../src/AirdropDistributor.sol";
import {MockERC20, MockWallet1271} from "./mocks/Mocks.sol";

contract SignatureTest is DistributorFixture {
    string internal constant CLAIM_TYPE =
        "Claim(uint256 index,address account,uint256 amount,uint256 nonce,uint256 deadline)";
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    AirdropDistributor internal d;
    address internal alice;
    uint256 internal aliceKey;
    address internal relayer = address(0x4E1A);
    MockWallet1271 internal wallet;
    uint256 internal walletOwnerKey;

    function setUp() public {
        (alice, aliceKey) = makeAddrAndKey("alice");
        address walletOwner;
        (walletOwner, walletOwnerKey) = makeAddrAndKey("wallet-owner");
        wallet = new MockWallet1271(walletOwner);
        // Leaf 0: an EOA, leaf 1: a contract wallet, then filler.
        delete accounts;
        delete amounts;
        delete leaves;
        accounts.push(alice);
        accounts.push(address(wallet));
        accounts.push(address(0xF111));
        for (uint256 i; i < 3; ++i) {
            amounts.push(1000e18 + i);
            leaves.push(MerkleBuilder.leaf(i, accounts[i], amounts[i]));
        }
        root = MerkleBuilder.root(leaves);
        d = _deploy(5_000, 0, 100 days);
        vm.warp(START);
    }

    /// Digest built from first principles, independent of the contract's EIP712 helper.
    function _digest(
        address verifying,
        uint256 chainId,
        uint256 index,
        address account,
        uint256 amount,
        uint256 nonce,
        uint256 sigDeadline
    ) internal pure returns (bytes32) {
        bytes32 domain = keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("AirdropDistributor"), keccak256("1"), chainId, verifying)
        );
        bytes32 structHash =
            keccak256(abi.encode(keccak256(bytes(CLAIM_TYPE)), index, account, amount, nonce, sigDeadline));
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    function _aliceSig(uint256 nonce, uint256 sigDeadline) internal view returns (bytes memory) {
        return _sign(aliceKey, _digest(address(d), block.chainid, 0, alice, amounts[0], nonce, sigDeadline));
    }

    function test_typehashMatchesDocumentedString() public view {
        vm.assertEq(d.CLAIM_TYPEHASH(), keccak256(bytes(CLAIM_TYPE)), "typehash");
        (, string memory name, string memory version, uint256 chainId, address verifying,,) = d.eip712Domain();
        vm.assertEq(keccak256(bytes(name)), keccak256("AirdropDistributor"), "name");
        vm.assertEq(keccak256(bytes(version)), keccak256("1"), "version");
        vm.assertEq(chainId, block.chainid, "chain");
        vm.assertEq(verifying, address(d), "verifying contract");
    }

    function test_relayerClaimsForSigner() public {
        bytes memory sig = _aliceSig(0, START + 1 hours);
        vm.prank(relayer);
        uint256 paid = d.claimWithSignature(0, alice, amounts[0], _proof(0), START + 1 hours, sig);
        vm.assertEq(paid, amounts[0] / 2, "unlocked half");
        vm.assertEq(token.balanceOf(alice), paid, "alice paid");
        vm.assertEq(token.balanceOf(relayer), 0, "relayer unpaid");
        vm.assertEq(d.nonces(alice), 1, "nonce used");
    }

    function test_replayRejected() public {
        bytes memory sig = _aliceSig(0, DEADLINE);
        d.claimWithSignature(0, alice, amounts[0], _proof(0), DEADLINE, sig);
        // More has vested, but the same signature is spent.
        vm.warp(START + 50 days);
        vm.expectRevert(AirdropDistributor.InvalidSignature.selector);
        d.claimWithSignature(0, alice, amounts[0], _proof(0), DEADLINE, sig);
        // A fresh signature with the next nonce works.
        d.claimWithSignature(0, alice, amounts[0], _proof(0), DEADLINE, _aliceSig(1, DEADLINE));
        vm.assertEq(token.balanceOf(alice), amounts[0] * 3 / 4, "75% vested at half-way");
    }

    function test_expiredSignatureRejected() public {
        bytes memory sig = _aliceSig(0, START + 10);
        vm.warp(START + 11);
        vm.expectRevert(abi.encodeWithSelector(AirdropDistributor.SignatureExpired.selector, START + 10));
        d.claimWithSignature(0, alice, amounts[0], _proof(0), START + 10, sig);
    }

    function test_signatureValidAtItsDeadline() public {
        bytes memory sig = _aliceSig(0, START + 10);
        vm.warp(START + 10);
        d.claimWithSignature(0, alice, amounts[0], _proof(0), START + 10, sig);
    }

    function test_relayerCannotExtendDeadline() public {
        bytes memory sig = _aliceSig(0, START + 10);
        vm.expectRevert(AirdropDistributor.InvalidSignature.selector);
        d.claimWithSignature(0, alice, amounts[0], _proof(0), START + 1000, sig);
    }

    function test_otherChainSignatureRejected() public {
        bytes memory sig = _sign(aliceKey, _digest(address(d), block.chainid + 1, 0, alice, amounts[0], 0, DEADLINE));
        vm.expectRevert(AirdropDistributor.InvalidSignature.selector);
        d.claimWithSignature(0, alice, amounts[0], _proof(0), DEADLINE, sig);
    }

    function test_signatureInvalidAfterChainIdChanges() public {
        bytes memory sig = _aliceSig(0, DEADLINE);
        vm.chainId(block.chainid + 7); // e.g. a fork: the domain separator is recomputed
        vm.expectRevert(AirdropDistributor.InvalidSignature.selector);
        d.claimWithSignature(0, alice, amounts[0], _proof(0), DEADLINE, sig);
    }

    function test_otherContractSignatureRejected() public {
        AirdropDistributor other = _deploy(5_000, 0, 100 days); // same root, same token
        bytes memory sigForOther =
            _sign(aliceKey, _digest(address(other), block.chainid, 0, alice, amounts[0], 0, DEADLINE));
        vm.expectRevert(AirdropDistributor.InvalidSignature.selector);
        d.claimWithSignature(0, alice, amounts[0], _proof(0), DEADLINE, sigForOther);
        other.claimWithSignature(0, alice, amounts[0], _proof(0), DEADLINE, sigForOther);
    }

    function test_signatureFromWrongKeyRejected() public {
        (, uint256 malloryKey) = makeAddrAndKey("mallory");
        bytes memory sig = _sign(malloryKey, _digest(address(d), block.chainid, 0, alice, amounts[0], 0, DEADLINE));
        vm.expectRevert(AirdropDistributor.InvalidSignature.selector);
        d.claimWithSignature(0, alice, amounts[0], _proof(0), DEADLINE, sig);
    }

    function test_signatureForOtherLeafRejected() public {
        // Alice signed for leaf 0; the relayer tries to use it for leaf 2's account.
        bytes memory sig = _aliceSig(0, DEADLINE);
        vm.expectRevert(AirdropDistributor.InvalidSignature.selector);
        d.claimWithSignature(2, accounts[2], amounts[2], _proof(2), DEADLINE, sig);
    }

    function test_malformedSignatureRejected() public {
        vm.expectRevert(AirdropDistributor.InvalidSignature.selector);
        d.claimWithSignature(0, alice, amounts[0], _proof(0), DEADLINE, hex"1234");
    }

    function test_validSignatureStillNeedsValidProof() public {
        bytes memory sig = _sign(aliceKey, _digest(address(d), block.chainid, 0, alice, amounts[0] + 1, 0, DEADLINE));
        vm.expectRevert(AirdropDistributor.InvalidProof.selector);
        d.claimWithSignature(0, alice, amounts[0] + 1, _proof(0), DEADLINE, sig);
    }

    function test_signatureOutsideWindowRejected() public {
        bytes memory sig = _aliceSig(0, type(uint256).max);
        vm.warp(START - 1);
        vm.expectRevert(abi.encodeWithSelector(AirdropDistributor.ClaimNotStarted.selector, START));
        d.claimWithSignature(0, alice, amounts[0], _proof(0), type(uint256).max, sig);
    }

    function test_eip1271WalletClaims() public {
        bytes memory sig =
            _sign(walletOwnerKey, _digest(address(d), block.chainid, 1, address(wallet), amounts[1], 0, DEADLINE));
        vm.prank(relayer);
        d.claimWithSignature(1, address(wallet), amounts[1], _proof(1), DEADLINE, sig);
        vm.assertEq(token.balanceOf(address(wallet)), amounts[1] / 2, "wallet paid");
        vm.assertEq(d.nonces(address(wallet)), 1, "nonce");
    }

    function test_eip1271WalletRejectsForeignSigner() public {
        bytes memory sig =
            _sign(aliceKey, _digest(address(d), block.chainid, 1, address(wallet), amounts[1], 0, DEADLINE));
        vm.expectRevert(AirdropDistributor.InvalidSignature.selector);
        d.claimWithSignature(1, address(wallet), amounts[1], _proof(1), DEADLINE, sig);
    }

    function test_gas_claimWithSignature() public {
        bytes memory sig = _aliceSig(0, DEADLINE);
        vm.cool(address(d));
        vm.cool(address(token));
        vm.prank(relayer);
        d.claimWithSignature(0, alice, amounts[0], _proof(0), DEADLINE, sig);
        console.log("claimWithSignature (EOA, vesting, first claim)", vm.lastCallGas().gasTotalUsed);
        bytes memory wsig =
            _sign(walletOwnerKey, _digest(address(d), block.chainid, 1, address(wallet), amounts[1], 0, DEADLINE));
        vm.cool(address(d));
        vm.cool(address(token));
        vm.prank(relayer);
        d.claimWithSignature(1, address(wallet), amounts[1], _proof(1), DEADLINE, wsig);
        console.log("claimWithSignature (EIP-1271 wallet, vesting, first claim)", vm.lastCallGas().gasTotalUsed);
        vm.cool(address(d));
        vm.cool(address(token));
        d.claim(2, accounts[2], amounts[2], _proof(2));
        console.log("claim (same distributor, vesting, first claim)", vm.lastCallGas().gasTotalUsed);
    }
}
