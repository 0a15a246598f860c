// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {TestBase, Vm, console} from "./utils/TestBase.sol";
import {BatchSender} from "../src/BatchSender.sol";
import {MockERC20, NoReturnToken, FalseTransferToken, RejectingReceiver} from "./mocks/Mocks.sol";

contract BatchSenderTest is TestBase {
    /// GasliteDrop's published figure per fresh ERC-20 recipient; ours must not exceed it.
    uint256 internal constant GASLITE_ERC20_PER_RECIPIENT = 25_500;
    /// GasliteDrop's own bytecode on this token, per fresh recipient, as recorded in issue 11
    /// (receipts on anvil): execution share, and execution plus calldata. Its source is not on any
    /// registry reachable from the build, so the figures stand in for it.
    uint256 internal constant GASLITE_EXECUTION = 25_415;
    uint256 internal constant GASLITE_TX_SHARE = 26_047;

    event BatchSent(address indexed token, address indexed sender, uint256 recipients, uint256 total);

    BatchSender internal sender;
    MockERC20 internal token;
    address internal alice = address(0xA11CE);

    function setUp() public {
        sender = new BatchSender();
        token = new MockERC20();
        token.mint(alice, 1e40);
        vm.prank(alice);
        token.approve(address(sender), type(uint256).max);
        vm.deal(alice, 1e30);
    }

    function _batch(uint256 n, uint256 salt) internal pure returns (address[] memory rs, uint256[] memory as_) {
        rs = new address[](n);
        as_ = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            rs[i] = address(uint160(uint256(keccak256(abi.encode(salt, i)))));
            as_[i] = 1e18 + i * 1e15 + 1;
        }
    }

    function _sum(uint256[] memory as_) internal pure returns (uint256 s) {
        for (uint256 i; i < as_.length; ++i) {
            s += as_[i];
        }
    }

    /// Calldata gas (EIP-2028 pricing: 4 per zero byte, 16 per other byte), for reporting.
    function _calldataGas(bytes memory data) internal pure returns (uint256 g) {
        for (uint256 i; i < data.length; ++i) {
            g += data[i] == 0 ? 4 : 16;
        }
    }

    // ---- ERC-20 ----

    function test_erc20_sendsEveryAmountAndEmits() public {
        (address[] memory rs, uint256[] memory as_) = _batch(7, 1);
        uint256 total = _sum(as_);
        vm.expectEmit(address(sender));
        emit BatchSent(address(token), alice, 7, total);
        vm.prank(alice);
        sender.sendERC20(token, rs, as_, total);
        for (uint256 i; i < 7; ++i) {
            vm.assertEq(token.balanceOf(rs[i]), as_[i], "recipient");
        }
        vm.assertEq(token.balanceOf(address(sender)), 0, "nothing kept");
        vm.assertEq(token.balanceOf(alice), 1e40 - total, "sender debited once");
    }

    /// Gas of one sendERC20 call from alice: execution gas and the refund it earns (the pulled
    /// balance slot returns to zero, which the EVM refunds at the end of the transaction).
    function _measureErc20(address[] memory rs, uint256[] memory as_) internal returns (uint256 used, uint256 refund) {
        vm.prank(alice);
        sender.sendERC20(token, rs, as_, _sum(as_));
        Vm.Gas memory g = vm.lastCallGas();
        used = g.gasTotalUsed;
        refund = g.gasRefunded > 0 ? uint256(uint64(g.gasRefunded)) : 0;
    }

    /// The ≤ 25.5k target applies to the per-recipient cost: the marginal gas of one more fresh
    /// recipient, and the average over a push-sized batch (300) net of the refund. At N=100 the
    /// fixed cost of the single pull still adds ~180 gas per recipient; it is logged, not asserted.
    function test_erc20_gasPerFreshRecipient() public {
        (address[] memory rs, uint256[] memory as_) = _batch(100, 2);
        (uint256 used, uint256 refund) = _measureErc20(rs, as_);
        uint256 cd =
            _calldataGas(abi.encodeCall(BatchSender.sendERC20, (IERC20(address(token)), rs, as_, _sum(as_)))) / 100;
        console.log("erc20 fresh N=100: execution gas per recipient, before refund", used / 100);
        console.log("erc20 fresh N=100: execution gas per recipient, net of refund", (used - refund) / 100);
        console.log("erc20 fresh: calldata gas per recipient", cd);

        // Marginal cost: a 100- minus a 1-recipient batch, once the token and alice's slots are
        // warm, leaves only per-recipient work.
        (address[] memory one, uint256[] memory oneAmount) = _batch(1, 12);
        (uint256 usedOne,) = _measureErc20(one, oneAmount);
        (address[] memory rs2, uint256[] memory as2) = _batch(100, 14);
        (uint256 used100,) = _measureErc20(rs2, as2);
        uint256 marginal = (used100 - usedOne) / 99;
        console.log("erc20 fresh: marginal execution gas per extra recipient", marginal);
        vm.assertLe(marginal, GASLITE_ERC20_PER_RECIPIENT, "marginal at or below GasliteDrop");
    }

    function test_erc20_gasPerFreshRecipientBatchOf300() public {
        (address[] memory rs, uint256[] memory as_) = _batch(300, 30);
        (uint256 used, uint256 refund) = _measureErc20(rs, as_);
        console.log("erc20 fresh N=300: execution gas per recipient, before refund", used / 300);
        console.log("erc20 fresh N=300: execution gas per recipient, net of refund", (used - refund) / 300);
        vm.assertLe((used - refund) / 300, GASLITE_ERC20_PER_RECIPIENT, "net average at or below GasliteDrop");
    }

    function test_erc20_gasPerExistingHolder() public {
        (address[] memory rs, uint256[] memory as_) = _batch(100, 3);
        _measureErc20(rs, as_); // make them holders
        vm.cool(address(token)); // as in a new transaction: every storage slot cold again
        vm.cool(alice);
        (uint256 used, uint256 refund) = _measureErc20(rs, as_);
        console.log("erc20 existing holders N=100: execution gas per recipient, net of refund", (used - refund) / 100);
        vm.assertLe((used - refund) / 100, 9_000, "existing holders skip the 20k new-slot cost");
    }

    function test_erc20_worksWithNoReturnToken() public {
        NoReturnToken t = new NoReturnToken();
        t.mint(alice, 100);
        vm.prank(alice);
        t.approve(address(sender), 100);
        (address[] memory rs,) = _batch(3, 5);
        uint256[] memory as_ = new uint256[](3);
        as_[0] = 10;
        as_[1] = 20;
        as_[2] = 70;
        vm.prank(alice);
        sender.sendERC20(IERC20(address(t)), rs, as_, _sum(as_));
        vm.assertEq(t.balanceOf(rs[2]), 70, "paid");
        vm.assertEq(t.balanceOf(address(sender)), 0, "nothing kept");
    }

    function test_erc20_revertsOnFalseReturn() public {
        FalseTransferToken t = new FalseTransferToken();
        t.mint(alice, 100);
        vm.prank(alice);
        t.approve(address(sender), 100);
        (address[] memory rs,) = _batch(2, 6);
        uint256[] memory as_ = new uint256[](2);
        as_[0] = 1;
        as_[1] = 2;
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(BatchSender.TransferFailed.selector, 0));
        sender.sendERC20(IERC20(address(t)), rs, as_, _sum(as_));
    }

    function test_erc20_revertsWithFailingIndex() public {
        (address[] memory rs, uint256[] memory as_) = _batch(5, 7);
        rs[3] = address(0); // OpenZeppelin's ERC20 refuses the zero receiver
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(BatchSender.TransferFailed.selector, 3));
        sender.sendERC20(token, rs, as_, _sum(as_));
    }

    function test_erc20_revertsOnLengthMismatch() public {
        (address[] memory rs,) = _batch(3, 8);
        vm.expectRevert(abi.encodeWithSelector(BatchSender.LengthMismatch.selector, 3, 2));
        sender.sendERC20(token, rs, new uint256[](2), 0);
    }

    function test_erc20_revertsWhenTotalTooHigh() public {
        (address[] memory rs, uint256[] memory as_) = _batch(3, 9);
        uint256 sum = _sum(as_);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(BatchSender.TotalMismatch.selector, sum + 1, sum));
        sender.sendERC20(token, rs, as_, sum + 1);
    }

    function test_erc20_revertsWhenTotalTooLow() public {
        (address[] memory rs, uint256[] memory as_) = _batch(3, 15);
        uint256 sum = _sum(as_);
        vm.prank(alice);
        // The contract runs dry on the last recipient.
        vm.expectRevert(abi.encodeWithSelector(BatchSender.TransferFailed.selector, 2));
        sender.sendERC20(token, rs, as_, sum - 1);
    }

    function test_erc20_cannotSpendStrayTokens() public {
        token.mint(address(sender), 1e18); // sent here by mistake
        (address[] memory rs, uint256[] memory as_) = _batch(3, 16);
        uint256 sum = _sum(as_);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(BatchSender.TotalMismatch.selector, sum - 1, sum));
        sender.sendERC20(token, rs, as_, sum - 1);
    }

    function test_erc20_wrappingAmountsRevert() public {
        (address[] memory rs,) = _batch(2, 17);
        uint256[] memory as_ = new uint256[](2);
        as_[0] = type(uint256).max;
        as_[1] = 1; // wraps the sum to 0
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(BatchSender.TransferFailed.selector, 0));
        sender.sendERC20(token, rs, as_, 0);
    }

    function test_erc20_revertsWithoutAllowance() public {
        (address[] memory rs, uint256[] memory as_) = _batch(2, 10);
        address bob = address(0xB0B);
        token.mint(bob, 1e30);
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(sender), 0, _sum(as_))
        );
        sender.sendERC20(token, rs, as_, _sum(as_));
    }

    function test_erc20_revertsForTokenWithoutCode() public {
        (address[] memory rs, uint256[] memory as_) = _batch(2, 11);
        address notAToken = address(0xDEAD);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, notAToken));
        sender.sendERC20(IERC20(notAToken), rs, as_, _sum(as_));
    }

    function test_erc20_emptyBatchIsANoOp() public {
        vm.prank(alice);
        sender.sendERC20(token, new address[](0), new uint256[](0), 0);
    }

    function testFuzz_erc20_paysExactly(uint8 n, uint256 seed) public {
        uint256 count = bound(n, 1, 40);
        address[] memory rs = new address[](count);
        uint256[] memory as_ = new uint256[](count);
        for (uint256 i; i < count; ++i) {
            rs[i] = address(uint160(uint256(keccak256(abi.encode(seed, "r", i))) | 1)); // never zero
            as_[i] = uint256(keccak256(abi.encode(seed, "a", i))) % 1e35;
        }
        uint256 before = token.balanceOf(alice);
        vm.prank(alice);
        sender.sendERC20(token, rs, as_, _sum(as_));
        // Recipients may repeat by chance only astronomically rarely; check the sum and each one.
        uint256 got;
        for (uint256 i; i < count; ++i) {
            got += as_[i];
        }
        vm.assertEq(before - token.balanceOf(alice), got, "debited the sum");
        for (uint256 i; i < count; ++i) {
            vm.assertGe(token.balanceOf(rs[i]), as_[i], "credited");
        }
        vm.assertEq(token.balanceOf(address(sender)), 0, "nothing kept");
    }

    // ---- ERC-20, packed ----

    function _pack(address[] memory rs, uint256[] memory as_) internal pure returns (uint256[] memory ws) {
        ws = new uint256[](rs.length);
        for (uint256 i; i < rs.length; ++i) {
            require(as_[i] < 1 << 96, "amount too wide to pack");
            ws[i] = (uint256(uint160(rs[i])) << 96) | as_[i];
        }
    }

    /// Every account cold again, as at the start of a transaction, so that batches measured one
    /// after the other in this test pay the same cold accesses.
    function _coolAll() internal {
        vm.cool(address(token));
        vm.cool(alice);
        vm.cool(address(sender));
    }

    function _measurePacked(address[] memory rs, uint256[] memory as_) internal returns (uint256 used) {
        uint256[] memory ws = _pack(rs, as_);
        _coolAll();
        vm.prank(alice);
        sender.sendERC20Packed(token, ws, _sum(as_));
        used = vm.lastCallGas().gasTotalUsed;
    }

    function test_packed_sendsEveryAmountAndEmits() public {
        (address[] memory rs, uint256[] memory as_) = _batch(7, 40);
        rs[6] = address(type(uint160).max); // every address bit set: the shift keeps all of them
        as_[5] = (1 << 96) - 1; // the widest amount that packs
        uint256 total = _sum(as_);
        token.mint(alice, total);
        vm.expectEmit(address(sender));
        emit BatchSent(address(token), alice, 7, total);
        vm.prank(alice);
        sender.sendERC20Packed(token, _pack(rs, as_), total);
        for (uint256 i; i < 7; ++i) {
            vm.assertEq(token.balanceOf(rs[i]), as_[i], "recipient");
        }
        vm.assertEq(token.balanceOf(address(sender)), 0, "nothing kept");
    }

    /// Per fresh recipient the packed path must beat GasliteDrop's recorded figures: the marginal
    /// execution gas of one more recipient, and that plus its calldata (32 bytes instead of 64).
    function test_packed_beatsGasliteDropPerFreshRecipient() public {
        (address[] memory one, uint256[] memory oneAmount) = _batch(1, 41);
        uint256 usedOne = _measurePacked(one, oneAmount);
        (address[] memory rs, uint256[] memory as_) = _batch(100, 42);
        uint256 used100 = _measurePacked(rs, as_);
        uint256 marginal = (used100 - usedOne) / 99;
        uint256[] memory ws = _pack(rs, as_);
        uint256 cd = _calldataGas(abi.encodeCall(BatchSender.sendERC20Packed, (IERC20(address(token)), ws, 0))) / 100;
        // The wide path on the same token and batch sizes, for the side-by-side figure.
        (address[] memory w1, uint256[] memory wa1) = _batch(1, 43);
        _coolAll();
        (uint256 wideOne,) = _measureErc20(w1, wa1);
        (address[] memory w100, uint256[] memory wa100) = _batch(100, 44);
        _coolAll();
        (uint256 wide100,) = _measureErc20(w100, wa100);
        uint256 wideCd =
            _calldataGas(abi.encodeCall(BatchSender.sendERC20, (IERC20(address(token)), w100, wa100, 0))) / 100;
        console.log("packed: marginal execution gas per fresh recipient", marginal);
        console.log("packed: calldata gas per recipient", cd);
        console.log("wide: marginal execution gas per fresh recipient", (wide100 - wideOne) / 99);
        console.log("wide: calldata gas per recipient", wideCd);
        vm.assertLt(marginal, GASLITE_EXECUTION, "execution below GasliteDrop");
        vm.assertLt(marginal + cd, GASLITE_TX_SHARE, "execution + calldata below GasliteDrop");
        vm.assertLt(marginal + cd, (wide100 - wideOne) / 99 + wideCd, "packed below wide");
    }

    function test_packed_revertsWithFailingIndex() public {
        (address[] memory rs, uint256[] memory as_) = _batch(5, 45);
        rs[3] = address(0);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(BatchSender.TransferFailed.selector, 3));
        sender.sendERC20Packed(token, _pack(rs, as_), _sum(as_));
    }

    function test_packed_revertsOnFalseReturn() public {
        FalseTransferToken t = new FalseTransferToken();
        t.mint(alice, 100);
        vm.prank(alice);
        t.approve(address(sender), 100);
        (address[] memory rs,) = _batch(2, 46);
        uint256[] memory as_ = new uint256[](2);
        as_[0] = 1;
        as_[1] = 2;
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(BatchSender.TransferFailed.selector, 0));
        sender.sendERC20Packed(IERC20(address(t)), _pack(rs, as_), 3);
    }

    function test_packed_worksWithNoReturnToken() public {
        NoReturnToken t = new NoReturnToken();
        t.mint(alice, 100);
        vm.prank(alice);
        t.approve(address(sender), 100);
        (address[] memory rs,) = _batch(3, 47);
        uint256[] memory as_ = new uint256[](3);
        as_[0] = 10;
        as_[1] = 20;
        as_[2] = 70;
        vm.prank(alice);
        sender.sendERC20Packed(IERC20(address(t)), _pack(rs, as_), 100);
        vm.assertEq(t.balanceOf(rs[2]), 70, "paid");
        vm.assertEq(t.balanceOf(address(sender)), 0, "nothing kept");
    }

    function test_packed_revertsWhenTotalTooHigh() public {
        (address[] memory rs, uint256[] memory as_) = _batch(3, 48);
        uint256 sum = _sum(as_);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(BatchSender.TotalMismatch.selector, sum + 1, sum));
        sender.sendERC20Packed(token, _pack(rs, as_), sum + 1);
    }

    function test_packed_revertsWhenTotalTooLow() public {
        (address[] memory rs, uint256[] memory as_) = _batch(3, 49);
        uint256 sum = _sum(as_);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(BatchSender.TransferFailed.selector, 2));
        sender.sendERC20Packed(token, _pack(rs, as_), sum - 1);
    }

    function test_packed_cannotSpendStrayTokens() public {
        token.mint(address(sender), 1e18);
        (address[] memory rs, uint256[] memory as_) = _batch(3, 50);
        uint256 sum = _sum(as_);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(BatchSender.TotalMismatch.selector, sum - 1, sum));
        sender.sendERC20Packed(token, _pack(rs, as_), sum - 1);
    }

    function test_packed_revertsForTokenWithoutCode() public {
        (address[] memory rs, uint256[] memory as_) = _batch(2, 51);
        address notAToken = address(0xDEAD);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, notAToken));
        sender.sendERC20Packed(IERC20(notAToken), _pack(rs, as_), _sum(as_));
    }

    function test_packed_emptyBatchIsANoOp() public {
        vm.prank(alice);
        sender.sendERC20Packed(token, new uint256[](0), 0);
    }

    function testFuzz_packed_paysExactly(uint8 n, uint256 seed) public {
        uint256 count = bound(n, 1, 40);
        address[] memory rs = new address[](count);
        uint256[] memory as_ = new uint256[](count);
        for (uint256 i; i < count; ++i) {
            rs[i] = address(uint160(uint256(keccak256(abi.encode(seed, "r", i))) | 1));
            as_[i] = uint256(keccak256(abi.encode(seed, "a", i))) % (1 << 96);
        }
        uint256 before = token.balanceOf(alice);
        vm.prank(alice);
        sender.sendERC20Packed(token, _pack(rs, as_), _sum(as_));
        vm.assertEq(before - token.balanceOf(alice), _sum(as_), "debited the sum");
        for (uint256 i; i < count; ++i) {
            vm.assertGe(token.balanceOf(rs[i]), as_[i], "credited");
        }
        vm.assertEq(token.balanceOf(address(sender)), 0, "nothing kept");
    }

    // ---- native ----

    function test_native_sendsEveryAmount() public {
        (address[] memory rs, uint256[] memory as_) = _batch(6, 20);
        uint256 total = _sum(as_);
        vm.expectEmit(address(sender));
        emit BatchSent(address(0), alice, 6, total);
        vm.prank(alice);
        sender.sendNative{value: total}(rs, as_);
        for (uint256 i; i < 6; ++i) {
            vm.assertEq(rs[i].balance, as_[i], "recipient");
        }
        vm.assertEq(address(sender).balance, 0, "nothing kept");
    }

    function test_native_gasPerRecipient() public {
        (address[] memory rs, uint256[] memory as_) = _batch(100, 21);
        uint256 total = _sum(as_);
        vm.prank(alice);
        sender.sendNative{value: total}(rs, as_);
        uint256 g = vm.lastCallGas().gasTotalUsed;
        console.log("native new accounts N=100: execution gas per recipient", g / 100);
        // The accounts stay warm within this test's transaction; a new transaction pays 2500 more
        // per recipient for the cold account access (docs/performance.md adds it).
        vm.prank(alice);
        sender.sendNative{value: total}(rs, as_);
        g = vm.lastCallGas().gasTotalUsed;
        console.log("native existing accounts N=100 (warm): execution gas per recipient", g / 100);
    }

    function test_native_revertsOnOverpayment() public {
        (address[] memory rs, uint256[] memory as_) = _batch(3, 22);
        uint256 total = _sum(as_);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(BatchSender.ValueMismatch.selector, total + 1, total));
        sender.sendNative{value: total + 1}(rs, as_);
    }

    function test_native_revertsOnUnderpayment() public {
        (address[] memory rs, uint256[] memory as_) = _batch(3, 23);
        uint256 total = _sum(as_);
        vm.prank(alice);
        // Runs dry on the last recipient.
        vm.expectRevert(abi.encodeWithSelector(BatchSender.NativeTransferFailed.selector, 2));
        sender.sendNative{value: total - 1}(rs, as_);
    }

    function test_native_underpaymentCannotDrainStrayBalance() public {
        vm.deal(address(sender), 10 ether); // e.g. forced in by selfdestruct
        (address[] memory rs, uint256[] memory as_) = _batch(3, 24);
        uint256 total = _sum(as_);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(BatchSender.ValueMismatch.selector, total - 1, total));
        sender.sendNative{value: total - 1}(rs, as_);
    }

    function test_native_revertsOnRejectingRecipient() public {
        (address[] memory rs, uint256[] memory as_) = _batch(4, 25);
        rs[1] = address(new RejectingReceiver());
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(BatchSender.NativeTransferFailed.selector, 1));
        sender.sendNative{value: _sum(as_)}(rs, as_);
    }

    function test_native_revertsOnDirtyAddress() public {
        uint256[] memory words = new uint256[](2);
        words[0] = uint256(uint160(address(0x1234)));
        words[1] = (uint256(1) << 160) | uint160(address(0x5678));
        uint256[] memory as_ = new uint256[](2);
        as_[0] = 1;
        as_[1] = 1;
        // uint256[] and address[] share an ABI layout, so this smuggles in a dirty address word.
        bytes memory data = abi.encodeWithSelector(BatchSender.sendNative.selector, words, as_);
        vm.prank(alice);
        (bool ok, bytes memory ret) = address(sender).call{value: 2}(data);
        vm.assertFalse(ok, "reverted");
        vm.assertEq(
            keccak256(ret), keccak256(abi.encodeWithSelector(BatchSender.NativeTransferFailed.selector, 1)), "index 1"
        );
    }

    function test_native_revertsOnLengthMismatch() public {
        (address[] memory rs,) = _batch(1, 26);
        vm.expectRevert(abi.encodeWithSelector(BatchSender.LengthMismatch.selector, 1, 0));
        sender.sendNative(rs, new uint256[](0));
    }

    function test_native_revertsOnOverflow() public {
        (address[] memory rs,) = _batch(2, 27);
        uint256[] memory as_ = new uint256[](2);
        as_[0] = 1;
        as_[1] = type(uint256).max; // the running sum overflows before this one is sent
        vm.prank(alice);
        vm.expectRevert(BatchSender.AmountOverflow.selector);
        sender.sendNative{value: 1}(rs, as_);
    }
}
